//! The OpenAPI schema of an event body: one object per type, its `type` a
//! single name and its `data` the struct of that type, and `EventBody` the
//! choice between them by `type`. The feed's answer and each webhook's request
//! body refer to these.

use std::borrow::Cow;

use utoipa::openapi::schema::{
    Discriminator, KnownFormat, ObjectBuilder, OneOfBuilder, Schema, SchemaFormat, Type,
};
use utoipa::openapi::{Ref, RefOr};
use utoipa::{PartialSchema, ToSchema};

use super::data::{
    AccountConvertedData, AccountCreatedData, AccountTransferredData, PaceChangedData, ResultsData,
    ReviewData, SaleVoidedData, TargetEventData, UserData, WebhookDisabledData, WebhookTestData,
};
use super::dto::EventBody;
use super::rules::EventType;

type Schemas = Vec<(String, RefOr<Schema>)>;

/// The schema name of an event of this type: `target.pace_changed` is
/// `TargetPaceChangedEvent`.
pub fn event_schema_name(t: EventType) -> String {
    let mut name = String::new();
    for word in t.as_str().split(['.', '_']) {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            name.extend(first.to_uppercase());
            name.push_str(chars.as_str());
        }
    }
    name.push_str("Event");
    name
}

/// What an event of this type tells, in a line.
pub fn about(t: EventType) -> &'static str {
    match t {
        EventType::TargetProposed => "A target was proposed to its subject for agreement.",
        EventType::TargetAgreed => "A target was agreed: it counts from now on.",
        EventType::TargetRevised => "A target was revised: a new version supersedes the old one and needs agreement again.",
        EventType::TargetCancelled => "A target was cancelled.",
        EventType::TargetAchieved => "An agreed target reached its value.",
        EventType::TargetPaceChanged => "An agreed target's pace status (ahead, on_track, behind, at_risk, achieved) changed.",
        EventType::ResultsRecorded => "Sales or activities were written: one event per write, with the people, days and totals it changed.",
        EventType::SaleVoided => "A sale was voided and no longer counts.",
        EventType::AccountCreated => "An account was created.",
        EventType::AccountTransferred => "An account has a new owner from a day on.",
        EventType::AccountConverted => "A prospect was won and became a customer.",
        EventType::ReviewScheduled => "A review was scheduled.",
        EventType::ReviewCompleted => "A review was completed and its figures frozen.",
        EventType::UserCreated => "A user was created.",
        EventType::UserDeactivated => "A user was deactivated.",
        EventType::WebhookTest => "A test delivery asked for with POST /v1/webhooks/{id}/test (sent to that endpoint only).",
        EventType::WebhookDisabled => "An endpoint whose deliveries all failed for 24 hours was disabled.",
    }
}

/// The schema name of the `data` of an event of this type.
fn data_name(t: EventType) -> Cow<'static, str> {
    use EventType as T;
    match t {
        T::TargetProposed
        | T::TargetAgreed
        | T::TargetRevised
        | T::TargetCancelled
        | T::TargetAchieved => TargetEventData::name(),
        T::TargetPaceChanged => PaceChangedData::name(),
        T::ResultsRecorded => ResultsData::name(),
        T::SaleVoided => SaleVoidedData::name(),
        T::AccountCreated => AccountCreatedData::name(),
        T::AccountTransferred => AccountTransferredData::name(),
        T::AccountConverted => AccountConvertedData::name(),
        T::ReviewScheduled | T::ReviewCompleted => ReviewData::name(),
        T::UserCreated | T::UserDeactivated => UserData::name(),
        T::WebhookTest => WebhookTestData::name(),
        T::WebhookDisabled => WebhookDisabledData::name(),
    }
}

/// Every data struct's schema, with the schemas it refers to.
fn data_schemas(schemas: &mut Schemas) {
    fn push<T: ToSchema>(schemas: &mut Schemas) {
        schemas.push((T::name().into(), T::schema()));
        T::schemas(schemas);
    }
    push::<TargetEventData>(schemas);
    push::<PaceChangedData>(schemas);
    push::<ResultsData>(schemas);
    push::<SaleVoidedData>(schemas);
    push::<AccountCreatedData>(schemas);
    push::<AccountTransferredData>(schemas);
    push::<AccountConvertedData>(schemas);
    push::<ReviewData>(schemas);
    push::<UserData>(schemas);
    push::<WebhookTestData>(schemas);
    push::<WebhookDisabledData>(schemas);
}

fn string(format: KnownFormat, description: &str) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .format(Some(SchemaFormat::KnownFormat(format)))
        .description(Some(description))
}

/// An event of one type: `{"id", "type", "timestamp", "data"}` with `type`
/// that name and `data` that type's struct.
pub fn event_schema(t: EventType) -> RefOr<Schema> {
    ObjectBuilder::new()
        .description(Some(format!("`{}`: {}", t.as_str(), about(t))))
        .property(
            "id",
            string(
                KnownFormat::Uuid,
                "A UUID v7, also sent as the `webhook-id` header; receivers deduplicate by it.",
            ),
        )
        .required("id")
        .property(
            "type",
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some([t.as_str()])),
        )
        .required("type")
        .property(
            "timestamp",
            string(KnownFormat::DateTime, "When it happened."),
        )
        .required("timestamp")
        .property("data", Ref::from_schema_name(data_name(t)))
        .required("data")
        .into()
}

impl PartialSchema for EventBody {
    fn schema() -> RefOr<Schema> {
        let refs = EventType::ALL.map(|t| {
            (
                t.as_str(),
                format!("#/components/schemas/{}", event_schema_name(t)),
            )
        });
        let mut one_of = OneOfBuilder::new()
            .description(Some(
                "An event: `{\"id\", \"type\", \"timestamp\", \"data\"}`, its `data` as its `type` says.",
            ))
            .discriminator(Some(Discriminator::with_mapping("type", refs)));
        for t in EventType::ALL {
            one_of = one_of.item(Ref::from_schema_name(event_schema_name(t)));
        }
        one_of.into()
    }
}

impl ToSchema for EventBody {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("EventBody")
    }

    fn schemas(schemas: &mut Schemas) {
        for t in EventType::ALL {
            schemas.push((event_schema_name(t), event_schema(t)));
        }
        data_schemas(schemas);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_type_has_its_own_schema_name() {
        assert_eq!(
            event_schema_name(EventType::TargetAgreed),
            "TargetAgreedEvent"
        );
        assert_eq!(
            event_schema_name(EventType::TargetPaceChanged),
            "TargetPaceChangedEvent"
        );
        assert_eq!(
            event_schema_name(EventType::WebhookTest),
            "WebhookTestEvent"
        );
        let mut names: Vec<String> = EventType::ALL.map(event_schema_name).to_vec();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), EventType::ALL.len());
    }

    #[test]
    fn an_event_schema_names_its_type_and_its_data() {
        let schema = serde_json::to_value(event_schema(EventType::SaleVoided)).unwrap();
        assert_eq!(
            schema["properties"]["type"]["enum"],
            serde_json::json!(["sale.voided"])
        );
        assert_eq!(
            schema["properties"]["data"]["$ref"],
            "#/components/schemas/SaleVoidedData"
        );
        assert_eq!(
            schema["required"],
            serde_json::json!(["id", "type", "timestamp", "data"])
        );
    }
}
