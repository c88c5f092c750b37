//! Diesel table definitions, shared by both backends (see `migrations/{sqlite,postgres}`).

diesel::table! {
    settings (key) {
        key -> Text,
        value -> Text,
    }
}

diesel::table! {
    districts (id) {
        id -> Text,
        code -> Text,
        name -> Text,
        created_at -> BigInt,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        login -> Text,
        display_name -> Text,
        role -> Text,
        district_id -> Nullable<Text>,
        password_hash -> Text,
        disabled_at -> Nullable<BigInt>,
        created_at -> BigInt,
        must_change_password -> Bool,
        term_starts_on -> Nullable<Text>,
        term_ends_on -> Nullable<Text>,
    }
}

diesel::table! {
    residents (id) {
        id -> Text,
        district_id -> Text,
        name -> Text,
        kana -> Text,
        address -> Text,
        status -> Text,
        contact_interval_days -> Integer,
        created_at -> BigInt,
        doc_id -> Nullable<Text>,
        doc_changed_at -> Nullable<BigInt>,
        external_id -> Nullable<Text>,
        needs_evacuation_plan -> Bool,
    }
}

diesel::table! {
    doc_chunks (id) {
        id -> BigInt,
        doc_id -> Text,
        kind -> Text,
        data -> Binary,
        created_at -> BigInt,
    }
}

diesel::table! {
    doc_sync_states (doc_id, storage_id) {
        doc_id -> Text,
        storage_id -> Text,
        state -> Binary,
        updated_at -> BigInt,
    }
}

diesel::table! {
    contacts (resident_id, id) {
        resident_id -> Text,
        id -> Text,
        occurred_at -> Text,
        author_id -> Text,
        kind -> Text,
        outcome -> Text,
        checks -> Text,
        concern -> Text,
        activity -> Text,
        note -> Text,
        follow_up -> Bool,
        delivered_by_user_id -> Text,
        delivered_by_device_id -> Nullable<Text>,
        received_at -> BigInt,
        updated_at -> BigInt,
    }
}

diesel::table! {
    reviews (resident_id, contact_id) {
        resident_id -> Text,
        contact_id -> Text,
        mark -> Text,
        comment -> Text,
        by_id -> Text,
        at -> Text,
        delivered_by_user_id -> Text,
        received_at -> BigInt,
        updated_at -> BigInt,
    }
}

diesel::table! {
    data_problems (resident_id, entry_kind, entry_id) {
        resident_id -> Text,
        entry_kind -> Text,
        entry_id -> Text,
        problem -> Text,
        delivered_by_user_id -> Text,
        detected_at -> BigInt,
    }
}

diesel::table! {
    assignments (id) {
        id -> Text,
        resident_id -> Text,
        commissioner_id -> Text,
        starts_on -> Text,
        ends_on -> Nullable<Text>,
        created_at -> BigInt,
    }
}

diesel::table! {
    devices (id) {
        id -> Text,
        label -> Text,
        enrolment_code_hash -> Nullable<Text>,
        enrolment_expires_at -> Nullable<BigInt>,
        token_hash -> Nullable<Text>,
        enrolled_at -> Nullable<BigInt>,
        revoked_at -> Nullable<BigInt>,
        last_seen_at -> Nullable<BigInt>,
        created_at -> BigInt,
        key_share -> Nullable<Text>,
        app_version -> Nullable<Text>,
        wiped_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    sessions (id) {
        id -> Text,
        token_hash -> Text,
        user_id -> Text,
        device_id -> Nullable<Text>,
        created_at -> BigInt,
        expires_at -> BigInt,
        revoked_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    login_failures (id) {
        id -> BigInt,
        login -> Text,
        bucket -> Text,
        address -> Text,
        at -> BigInt,
    }
}

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        at -> BigInt,
        actor_user_id -> Nullable<Text>,
        actor_device_id -> Nullable<Text>,
        action -> Text,
        target_kind -> Text,
        target_id -> Nullable<Text>,
        detail -> Text,
    }
}

diesel::table! {
    alerts (id) {
        id -> Text,
        resident_id -> Text,
        district_id -> Text,
        rule -> Text,
        route -> Text,
        contact_id -> Text,
        status -> Text,
        raised_at -> BigInt,
        acknowledged_by -> Nullable<Text>,
        acknowledged_at -> Nullable<BigInt>,
        closed_by -> Nullable<Text>,
        closed_at -> Nullable<BigInt>,
        close_note -> Nullable<Text>,
    }
}

diesel::table! {
    snowfall_days (district_id, day) {
        district_id -> Text,
        day -> Text,
        marked_by -> Text,
        marked_at -> BigInt,
    }
}

diesel::table! {
    notices (id) {
        id -> Text,
        title -> Text,
        body -> Text,
        priority -> Text,
        audience -> Text,
        audience_districts -> Text,
        audience_role -> Nullable<Text>,
        expires_at -> Nullable<BigInt>,
        status -> Text,
        created_by -> Text,
        created_at -> BigInt,
        updated_at -> BigInt,
        sent_at -> Nullable<BigInt>,
        withdrawn_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    notice_recipients (notice_id, user_id) {
        notice_id -> Text,
        user_id -> Text,
        delivered_at -> Nullable<BigInt>,
        read_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    push_subscriptions (id) {
        id -> Text,
        user_id -> Text,
        device_id -> Nullable<Text>,
        endpoint -> Text,
        p256dh -> Text,
        auth -> Text,
        created_at -> BigInt,
        failing_since -> Nullable<BigInt>,
    }
}

diesel::table! {
    push_jobs (id) {
        id -> Text,
        subscription_id -> Text,
        user_id -> Text,
        notice_id -> Nullable<Text>,
        payload -> Text,
        urgency -> Text,
        state -> Text,
        attempts -> Integer,
        next_attempt_at -> BigInt,
        last_status -> Nullable<Integer>,
        created_at -> BigInt,
        finished_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    activity_logs (user_id) {
        user_id -> Text,
        doc_id -> Text,
        created_at -> BigInt,
    }
}

diesel::table! {
    activities (user_id, id) {
        user_id -> Text,
        id -> Text,
        day -> Text,
        kind -> Text,
        district_id -> Nullable<Text>,
        received_at -> BigInt,
        updated_at -> BigInt,
    }
}

diesel::joinable!(alerts -> residents (resident_id));
diesel::joinable!(notice_recipients -> notices (notice_id));
diesel::joinable!(notice_recipients -> users (user_id));
diesel::joinable!(users -> districts (district_id));
diesel::joinable!(residents -> districts (district_id));
diesel::joinable!(assignments -> residents (resident_id));
diesel::table! {
    referrals (resident_id, id) {
        resident_id -> Text,
        id -> Text,
        day -> Text,
        agency -> Text,
        field -> Text,
        outcome -> Text,
        outcome_on -> Nullable<Text>,
        alert_id -> Nullable<Text>,
        author_id -> Text,
        delivered_by_user_id -> Text,
        received_at -> BigInt,
        updated_at -> BigInt,
    }
}

diesel::table! {
    contact_versions (id) {
        id -> BigInt,
        resident_id -> Text,
        contact_id -> Text,
        occurred_at -> Text,
        kind -> Text,
        outcome -> Text,
        checks -> Text,
        concern -> Text,
        activity -> Text,
        note -> Text,
        follow_up -> Bool,
        received_at -> BigInt,
        replaced_at -> BigInt,
    }
}

diesel::table! {
    disasters (id) {
        id -> Text,
        kind -> Text,
        title -> Text,
        city_wide -> Bool,
        drill -> Bool,
        occurred_at -> BigInt,
        declared_at -> BigInt,
        declared_by -> Text,
        ended_at -> Nullable<BigInt>,
        ended_by -> Nullable<Text>,
        notice_id -> Nullable<Text>,
    }
}

diesel::table! {
    disaster_districts (disaster_id, district_id) {
        disaster_id -> Text,
        district_id -> Text,
        lead_pushed_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    safety_records (resident_id, id) {
        resident_id -> Text,
        id -> Text,
        disaster_id -> Nullable<Text>,
        status -> Text,
        at -> Text,
        author_id -> Text,
        delivered_by_user_id -> Text,
        delivered_by_device_id -> Nullable<Text>,
        received_at -> BigInt,
    }
}

diesel::table! {
    safety_latest (disaster_id, resident_id) {
        disaster_id -> Text,
        resident_id -> Text,
        record_id -> Text,
        status -> Text,
        at -> Text,
        author_id -> Text,
    }
}

diesel::table! {
    self_safety (user_id, id) {
        user_id -> Text,
        id -> Text,
        disaster_id -> Nullable<Text>,
        status -> Text,
        at -> Text,
        received_at -> BigInt,
    }
}

diesel::table! {
    disaster_takeovers (disaster_id, commissioner_id) {
        disaster_id -> Text,
        commissioner_id -> Text,
        taken_by -> Text,
        taken_at -> BigInt,
        released_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    evacuation_plans (resident_id, id) {
        resident_id -> Text,
        id -> Text,
        based_on -> Text,
        at -> Text,
        consent -> Text,
        consent_on -> Nullable<Text>,
        author_id -> Text,
        delivered_by_user_id -> Text,
        received_at -> BigInt,
    }
}

diesel::table! {
    plan_confirmations (resident_id, contact_id) {
        resident_id -> Text,
        contact_id -> Text,
        revision_id -> Text,
        day -> Text,
    }
}

diesel::joinable!(assignments -> users (commissioner_id));
diesel::joinable!(evacuation_plans -> residents (resident_id));
diesel::joinable!(disaster_districts -> disasters (disaster_id));
diesel::joinable!(safety_records -> residents (resident_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(sessions -> devices (device_id));
diesel::joinable!(contacts -> residents (resident_id));
diesel::joinable!(reviews -> residents (resident_id));
diesel::joinable!(referrals -> residents (resident_id));

diesel::allow_tables_to_appear_in_same_query!(
    settings,
    districts,
    users,
    residents,
    assignments,
    devices,
    sessions,
    login_failures,
    audit_log,
    doc_chunks,
    doc_sync_states,
    contacts,
    reviews,
    data_problems,
    alerts,
    snowfall_days,
    notices,
    notice_recipients,
    push_subscriptions,
    push_jobs,
    activity_logs,
    activities,
    referrals,
    contact_versions,
    disasters,
    disaster_districts,
    safety_records,
    safety_latest,
    self_safety,
    disaster_takeovers,
    evacuation_plans,
    plan_confirmations,
);
