//! Enumerations stored as `text`: a Rust enum of a `rules.rs` (which knows
//! nothing of the database) is read and written by diesel as its `as_str`
//! form. A row that holds a value the enum does not know is an error when it is
//! read, never a default.

/// Maps `$ty` (with `fn as_str(self) -> &'static str` and
/// `fn parse(&str) -> Option<Self>`) to SQL `text` for diesel: it can be a
/// field of a row, of an insert or update, and compared in queries.
macro_rules! text_enum {
    ($($ty:ty),+ $(,)?) => {$(
        impl diesel::deserialize::FromSql<diesel::sql_types::Text, diesel::pg::Pg> for $ty {
            fn from_sql(
                bytes: <diesel::pg::Pg as diesel::backend::Backend>::RawValue<'_>,
            ) -> diesel::deserialize::Result<Self> {
                let s = <String as diesel::deserialize::FromSql<
                    diesel::sql_types::Text,
                    diesel::pg::Pg,
                >>::from_sql(bytes)?;
                <$ty>::parse(&s).ok_or_else(|| {
                    format!("{s:?} is not a {}", stringify!($ty)).into()
                })
            }
        }

        impl diesel::serialize::ToSql<diesel::sql_types::Text, diesel::pg::Pg> for $ty {
            fn to_sql<'b>(
                &'b self,
                out: &mut diesel::serialize::Output<'b, '_, diesel::pg::Pg>,
            ) -> diesel::serialize::Result {
                use std::io::Write;
                out.write_all(self.as_str().as_bytes())?;
                Ok(diesel::serialize::IsNull::No)
            }
        }

        impl diesel::serialize::ToSql<
            diesel::sql_types::Nullable<diesel::sql_types::Text>,
            diesel::pg::Pg,
        > for $ty {
            fn to_sql<'b>(
                &'b self,
                out: &mut diesel::serialize::Output<'b, '_, diesel::pg::Pg>,
            ) -> diesel::serialize::Result {
                diesel::serialize::ToSql::<diesel::sql_types::Text, diesel::pg::Pg>::to_sql(self, out)
            }
        }

        impl diesel::deserialize::Queryable<diesel::sql_types::Text, diesel::pg::Pg> for $ty {
            type Row = Self;
            fn build(row: Self) -> diesel::deserialize::Result<Self> {
                Ok(row)
            }
        }

        impl diesel::expression::AsExpression<diesel::sql_types::Text> for $ty {
            type Expression =
                diesel::internal::derives::as_expression::Bound<diesel::sql_types::Text, Self>;
            fn as_expression(self) -> Self::Expression {
                diesel::internal::derives::as_expression::Bound::new(self)
            }
        }

        impl diesel::expression::AsExpression<diesel::sql_types::Nullable<diesel::sql_types::Text>>
            for $ty
        {
            type Expression = diesel::internal::derives::as_expression::Bound<
                diesel::sql_types::Nullable<diesel::sql_types::Text>,
                Self,
            >;
            fn as_expression(self) -> Self::Expression {
                diesel::internal::derives::as_expression::Bound::new(self)
            }
        }

        impl<'a> diesel::expression::AsExpression<diesel::sql_types::Text> for &'a $ty {
            type Expression =
                diesel::internal::derives::as_expression::Bound<diesel::sql_types::Text, Self>;
            fn as_expression(self) -> Self::Expression {
                diesel::internal::derives::as_expression::Bound::new(self)
            }
        }

        impl<'a>
            diesel::expression::AsExpression<diesel::sql_types::Nullable<diesel::sql_types::Text>>
            for &'a $ty
        {
            type Expression = diesel::internal::derives::as_expression::Bound<
                diesel::sql_types::Nullable<diesel::sql_types::Text>,
                Self,
            >;
            fn as_expression(self) -> Self::Expression {
                diesel::internal::derives::as_expression::Bound::new(self)
            }
        }
    )+};
}

pub(crate) use text_enum;

#[cfg(test)]
mod tests {
    use diesel::deserialize::FromSql;
    use diesel::pg::{Pg, PgValue};
    use diesel::sql_types::Text;

    #[derive(Debug, PartialEq, Clone, Copy)]
    enum Colour {
        Red,
        Green,
    }

    impl Colour {
        fn as_str(self) -> &'static str {
            match self {
                Colour::Red => "red",
                Colour::Green => "green",
            }
        }
        fn parse(s: &str) -> Option<Self> {
            match s {
                "red" => Some(Colour::Red),
                "green" => Some(Colour::Green),
                _ => None,
            }
        }
    }

    super::text_enum!(Colour);

    fn read(s: &str) -> diesel::deserialize::Result<Colour> {
        let oid = std::num::NonZeroU32::new(25).expect("text");
        <Colour as FromSql<Text, Pg>>::from_sql(PgValue::new(s.as_bytes(), &oid))
    }

    #[test]
    fn known_values_read_back_and_an_unknown_one_is_an_error_not_a_default() {
        assert_eq!(read("red").unwrap(), Colour::Red);
        assert_eq!(read("green").unwrap(), Colour::Green);
        assert_eq!(Colour::Green.as_str(), "green");
        let e = read("blue").unwrap_err().to_string();
        assert!(e.contains("\"blue\" is not a Colour"), "{e}");
        assert!(read("Red").is_err());
    }
}
