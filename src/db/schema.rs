// @generated-style table definitions; keep in step with migrations/.

diesel::table! {
    orgs (id) {
        id -> Uuid,
        name -> Text,
        currency -> Text,
        fiscal_year_start_month -> Int2,
        week_start -> Text,
        timezone -> Text,
        working_days -> Array<Text>,
        holidays -> Array<Date>,
        realistic_max_ratio -> Numeric,
        stretch_max_ratio -> Numeric,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        pace_ahead_pct -> Numeric,
        pace_on_track_pct -> Numeric,
        pace_behind_pct -> Numeric,
    }
}

diesel::table! {
    users (org_id, id) {
        org_id -> Uuid,
        id -> Uuid,
        email -> Text,
        name -> Text,
        role -> Text,
        selling_style -> Nullable<Text>,
        active -> Bool,
        password_hash -> Nullable<Text>,
        sessions_valid_from -> Nullable<Timestamptz>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        email_key -> Text,
    }
}

diesel::table! {
    teams (org_id, id) {
        org_id -> Uuid,
        id -> Uuid,
        name -> Text,
        manager_id -> Nullable<Uuid>,
        parent_team_id -> Nullable<Uuid>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    team_members (org_id, team_id, user_id, from_on) {
        org_id -> Uuid,
        team_id -> Uuid,
        user_id -> Uuid,
        from_on -> Date,
        to_on -> Nullable<Date>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    api_clients (org_id, id) {
        org_id -> Uuid,
        id -> Uuid,
        name -> Text,
        secret_hash -> Bytea,
        scopes -> Array<Text>,
        active -> Bool,
        created_by -> Uuid,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    refresh_tokens (org_id, id) {
        org_id -> Uuid,
        id -> Uuid,
        user_id -> Uuid,
        family_id -> Uuid,
        token_hash -> Bytea,
        expires_at -> Timestamptz,
        used_at -> Nullable<Timestamptz>,
        revoked_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
    }
}

// Sign-in by email: the organisation and person behind an email key, across
// the installation (a lookup table, not a tenant table).
diesel::table! {
    logins (email_key) {
        email_key -> Text,
        org_id -> Uuid,
        user_id -> Uuid,
    }
}

// The client-credentials grant: the organisation of an active client id,
// across the installation (a lookup table, not a tenant table).
diesel::table! {
    client_logins (client_id) {
        client_id -> Uuid,
        org_id -> Uuid,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    orgs,
    users,
    teams,
    team_members,
    api_clients,
    refresh_tokens
);

diesel::table! {
    accounts (org_id, id) {
        org_id -> Uuid,
        id -> Uuid,
        name -> Text,
        kind -> Text,
        status -> Text,
        owner_id -> Uuid,
        external_source -> Nullable<Text>,
        external_id -> Nullable<Text>,
        segment -> Nullable<Text>,
        converted_on -> Nullable<Date>,
        won_by -> Nullable<Uuid>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        conversion_status -> Nullable<Text>,
        conversion_requested_on -> Nullable<Date>,
        conversion_requested_by -> Nullable<Uuid>,
        conversion_decided_by -> Nullable<Uuid>,
        conversion_decided_at -> Nullable<Timestamptz>,
        conversion_reason -> Nullable<Text>,
    }
}

diesel::table! {
    account_owners (org_id, account_id, from_on) {
        org_id -> Uuid,
        account_id -> Uuid,
        owner_id -> Uuid,
        from_on -> Date,
        to_on -> Nullable<Date>,
        reason -> Nullable<Text>,
        recorded_by -> Nullable<Uuid>,
        recorded_at -> Timestamptz,
    }
}

diesel::allow_tables_to_appear_in_same_query!(accounts, account_owners, users);

diesel::table! {
    targets (org_id, id) {
        org_id -> Uuid,
        id -> Uuid,
        title -> Text,
        description -> Nullable<Text>,
        subject_type -> Text,
        subject_id -> Nullable<Uuid>,
        account_id -> Nullable<Uuid>,
        metric -> Text,
        activity_kind -> Nullable<Text>,
        value -> Numeric,
        currency -> Nullable<Text>,
        period -> Nullable<Text>,
        starts_on -> Date,
        ends_on -> Date,
        parent_id -> Nullable<Uuid>,
        status -> Text,
        revision -> Int4,
        revision_of -> Nullable<Uuid>,
        agreed_at -> Nullable<Timestamptz>,
        agreed_by -> Nullable<Uuid>,
        created_by -> Nullable<Uuid>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    target_events (org_id, id) {
        org_id -> Uuid,
        id -> Uuid,
        target_id -> Uuid,
        event -> Text,
        actor_id -> Nullable<Uuid>,
        at -> Timestamptz,
        revision -> Int4,
        status -> Text,
        value -> Numeric,
        snapshot -> Jsonb,
        note -> Nullable<Text>,
    }
}

diesel::table! {
    bonus_plans (org_id, id) {
        org_id -> Uuid,
        id -> Uuid,
        name -> Text,
        target_id -> Uuid,
        tiers -> Jsonb,
        gate_target_id -> Nullable<Uuid>,
        gate_attainment_pct -> Nullable<Numeric>,
        created_by -> Nullable<Uuid>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::allow_tables_to_appear_in_same_query!(targets, target_events, bonus_plans);

diesel::table! {
    sales (org_id, id) {
        org_id -> Uuid,
        id -> Uuid,
        source -> Text,
        external_id -> Text,
        account_id -> Uuid,
        salesperson_id -> Uuid,
        salesperson_given -> Bool,
        occurred_on -> Date,
        kind -> Text,
        currency -> Text,
        fx_rate -> Numeric,
        amount_revenue -> Numeric,
        amount_gross_profit -> Numeric,
        revenue -> Numeric,
        gross_profit -> Numeric,
        voided_at -> Nullable<Timestamptz>,
        void_reason -> Nullable<Text>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        splits_given -> Bool,
        split -> Bool,
    }
}

diesel::table! {
    sale_shares (org_id, sale_id, credit_type, salesperson_id) {
        org_id -> Uuid,
        sale_id -> Uuid,
        salesperson_id -> Uuid,
        credit_type -> Text,
        share_pct -> Numeric,
        revenue -> Numeric,
        gross_profit -> Numeric,
    }
}

diesel::table! {
    /// A view: every sale's credits (`sale_shares`, and the whole credit of
    /// every sale that is not split).
    sale_credits (org_id, sale_id, credit_type, salesperson_id) {
        org_id -> Uuid,
        sale_id -> Uuid,
        salesperson_id -> Uuid,
        credit_type -> Text,
        share_pct -> Numeric,
        revenue -> Numeric,
        gross_profit -> Numeric,
    }
}

diesel::table! {
    account_split_rules (org_id, id) {
        org_id -> Uuid,
        id -> Uuid,
        account_id -> Uuid,
        from_on -> Date,
        to_on -> Nullable<Date>,
        hunter_share -> Bool,
        created_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    account_split_shares (org_id, rule_id, credit_type, salesperson_id) {
        org_id -> Uuid,
        rule_id -> Uuid,
        salesperson_id -> Uuid,
        credit_type -> Text,
        share_pct -> Numeric,
    }
}

diesel::table! {
    activities (org_id, id) {
        org_id -> Uuid,
        id -> Uuid,
        source -> Text,
        external_id -> Text,
        kind -> Text,
        salesperson_id -> Uuid,
        salesperson_given -> Bool,
        account_id -> Nullable<Uuid>,
        occurred_at -> Timestamptz,
        occurred_on -> Date,
        count -> Int4,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    daily_rollup (org_id, salesperson_id, metric, day) {
        org_id -> Uuid,
        salesperson_id -> Uuid,
        metric -> Text,
        day -> Date,
        amount -> Numeric,
    }
}

diesel::table! {
    daily_sales (org_id, salesperson_id, day) {
        org_id -> Uuid,
        salesperson_id -> Uuid,
        day -> Date,
        revenue -> Numeric,
        gross_profit -> Numeric,
        overlay_revenue -> Nullable<Numeric>,
        overlay_gross_profit -> Nullable<Numeric>,
    }
}

diesel::table! {
    idempotency_keys (org_id, actor_id, key) {
        org_id -> Uuid,
        actor_id -> Uuid,
        key -> Text,
        request_hash -> Bytea,
        status -> Nullable<Int2>,
        body -> Nullable<Bytea>,
        created_at -> Timestamptz,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    sales,
    sale_credits,
    sale_shares,
    activities,
    daily_rollup,
    daily_sales,
    team_members,
    accounts,
    account_split_rules,
    account_split_shares
);

diesel::table! {
    milestones (org_id, id) {
        org_id -> Uuid,
        id -> Uuid,
        kind -> Text,
        target_id -> Nullable<Uuid>,
        account_id -> Nullable<Uuid>,
        user_id -> Nullable<Uuid>,
        team_id -> Nullable<Uuid>,
        occurred_on -> Date,
        title -> Text,
        value -> Nullable<Numeric>,
        actual -> Nullable<Numeric>,
        recorded_at -> Timestamptz,
    }
}

diesel::allow_tables_to_appear_in_same_query!(milestones, targets);

diesel::table! {
    target_pace (org_id, target_id) {
        org_id -> Uuid,
        target_id -> Uuid,
        status -> Text,
        as_of -> Date,
    }
}

diesel::table! {
    pace_sweeps (org_id) {
        org_id -> Uuid,
        swept_on -> Date,
    }
}

diesel::allow_tables_to_appear_in_same_query!(target_pace, targets);
diesel::allow_tables_to_appear_in_same_query!(target_pace, milestones);
diesel::allow_tables_to_appear_in_same_query!(pace_sweeps, orgs);

diesel::table! {
    reviews (org_id, id) {
        org_id -> Uuid,
        id -> Uuid,
        kind -> Text,
        salesperson_id -> Nullable<Uuid>,
        team_id -> Nullable<Uuid>,
        facilitator_id -> Uuid,
        period -> Text,
        starts_on -> Date,
        ends_on -> Date,
        status -> Text,
        snapshot -> Nullable<Jsonb>,
        completed_at -> Nullable<Timestamptz>,
        completed_by -> Nullable<Uuid>,
        cancelled_at -> Nullable<Timestamptz>,
        cancelled_by -> Nullable<Uuid>,
        created_by -> Nullable<Uuid>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        scheduled_for -> Timestamptz,
    }
}

diesel::table! {
    review_items (org_id, id) {
        org_id -> Uuid,
        id -> Uuid,
        review_id -> Uuid,
        #[sql_name = "type"]
        item_type -> Text,
        text -> Text,
        owner_id -> Nullable<Uuid>,
        due_on -> Nullable<Date>,
        size -> Nullable<Text>,
        status -> Nullable<Text>,
        target_id -> Nullable<Uuid>,
        account_id -> Nullable<Uuid>,
        closed_at -> Nullable<Timestamptz>,
        closed_by -> Nullable<Uuid>,
        closed_in_review_id -> Nullable<Uuid>,
        created_by -> Nullable<Uuid>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::allow_tables_to_appear_in_same_query!(reviews, review_items);

diesel::table! {
    sign_in_throttle (key) {
        key -> Bytea,
        count -> Int4,
        window_start -> Timestamptz,
        last_at -> Timestamptz,
        expires_at -> Timestamptz,
    }
}

diesel::table! {
    /// `txid xid8` (the commit-order position) is not listed: diesel has no
    /// type for it, and it is only ever compared in SQL (see events/store.rs).
    events (org_id, id) {
        org_id -> Uuid,
        id -> Uuid,
        #[sql_name = "type"]
        kind -> Text,
        occurred_at -> Timestamptz,
        data -> Jsonb,
        people -> Array<Uuid>,
        teams -> Array<Uuid>,
        seq -> Int8,
    }
}

diesel::table! {
    webhooks (org_id, id) {
        org_id -> Uuid,
        id -> Uuid,
        url -> Text,
        event_types -> Array<Text>,
        description -> Nullable<Text>,
        enabled -> Bool,
        secret -> Bytea,
        previous_secret -> Nullable<Bytea>,
        previous_until -> Nullable<Timestamptz>,
        disabled_reason -> Nullable<Text>,
        failing_since -> Nullable<Timestamptz>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    webhook_deliveries (org_id, id) {
        org_id -> Uuid,
        id -> Uuid,
        webhook_id -> Uuid,
        event_id -> Uuid,
        event_type -> Text,
        body -> Text,
        status -> Text,
        attempts -> Int4,
        next_attempt_at -> Nullable<Timestamptz>,
        last_attempt_at -> Nullable<Timestamptz>,
        http_status -> Nullable<Int4>,
        duration_ms -> Nullable<Int4>,
        response -> Nullable<Text>,
        error -> Nullable<Text>,
        created_at -> Timestamptz,
    }
}

diesel::allow_tables_to_appear_in_same_query!(webhooks, webhook_deliveries);
