//! The tables, as diesel sees them. Kept equal to both migration sets; the
//! `schema_snapshot` test checks the migrated databases against
//! `tests/schema_snapshot.txt`.

diesel::table! {
    directorates (id) {
        id -> Text,
        name -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    services (id) {
        id -> Text,
        name -> Text,
        directorate_id -> Text,
        area -> Nullable<Text>,
        email -> Nullable<Text>,
        active -> Bool,
        created_at -> Timestamp,
        ombudsman -> Text,
    }
}

diesel::table! {
    customers (id) {
        id -> BigInt,
        subject -> Nullable<Text>,
        name -> Text,
        email -> Nullable<Text>,
        phone -> Nullable<Text>,
        address -> Nullable<Text>,
        postcode -> Nullable<Text>,
        preferred_contact -> Nullable<Text>,
        interpreter_language -> Nullable<Text>,
        large_print -> Bool,
        audio -> Bool,
        other_adjustments -> Nullable<Text>,
        created_at -> Timestamp,
        person_id -> Nullable<BigInt>,
        person_match -> Nullable<Text>,
        person_match_uncertain -> Bool,
    }
}

diesel::table! {
    people (id) {
        id -> BigInt,
        subject -> Nullable<Text>,
        name -> Text,
        email -> Nullable<Text>,
        phone -> Nullable<Text>,
        address -> Nullable<Text>,
        postcode -> Nullable<Text>,
        preferred_contact -> Nullable<Text>,
        language -> Nullable<Text>,
        email_key -> Nullable<Text>,
        phone_key -> Nullable<Text>,
        merged_into -> Nullable<BigInt>,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    person_merges (id) {
        id -> BigInt,
        person_id -> BigInt,
        merged_person_id -> BigInt,
        reason -> Text,
        merged_by -> Text,
        merged_at -> Timestamp,
    }
}

diesel::table! {
    adjustments (id) {
        id -> BigInt,
        person_id -> BigInt,
        kind -> Text,
        language -> Nullable<Text>,
        details -> Nullable<Text>,
        agreed_on -> Date,
        agreed_by -> Text,
        case_id -> Nullable<BigInt>,
        review_due -> Nullable<Date>,
        in_force -> Bool,
        ended_on -> Nullable<Date>,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    adjustment_reviews (id) {
        id -> BigInt,
        adjustment_id -> BigInt,
        outcome -> Text,
        note -> Text,
        reviewed_on -> Date,
        reviewed_by -> Text,
        next_review_due -> Nullable<Date>,
        previous_kind -> Nullable<Text>,
        previous_language -> Nullable<Text>,
        previous_details -> Nullable<Text>,
        reviewed_at -> Timestamp,
    }
}

diesel::table! {
    cases (id) {
        id -> BigInt,
        reference -> Text,
        kind -> Text,
        status -> Text,
        stage -> Nullable<Text>,
        channel -> Text,
        received_at -> Timestamp,
        received_at_reason -> Nullable<Text>,
        summary -> Text,
        description -> Text,
        desired_outcome -> Nullable<Text>,
        service_id -> Text,
        category -> Nullable<Text>,
        problem_date -> Nullable<Date>,
        response_requested -> Bool,
        staff_named -> Nullable<Text>,
        customer_id -> BigInt,
        customer_subject -> Nullable<Text>,
        created_by_subject -> Text,
        created_by_role -> Text,
        partner_client_id -> Nullable<Text>,
        partner_reference -> Nullable<Text>,
        acknowledgement_due -> Nullable<Date>,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        triage_decision -> Nullable<Text>,
        triage_details -> Nullable<Text>,
        triaged_at -> Nullable<Timestamp>,
        next_deadline -> Nullable<Date>,
        next_deadline_kind -> Nullable<Text>,
        investigator -> Nullable<Text>,
    }
}

diesel::table! {
    case_stages (id) {
        id -> BigInt,
        case_id -> BigInt,
        stage -> Text,
        opened_at -> Timestamp,
        acknowledgement_due -> Date,
        acknowledged_at -> Nullable<Timestamp>,
        acknowledgement_method -> Nullable<Text>,
        acknowledged_by -> Nullable<Text>,
        grade -> Nullable<Integer>,
        response_due -> Nullable<Date>,
        investigator -> Nullable<Text>,
        assigned_by -> Nullable<Text>,
        assigned_at -> Nullable<Timestamp>,
        original_response_due -> Nullable<Date>,
        outcome -> Nullable<Text>,
        responded_at -> Nullable<Timestamp>,
        responded_on_time -> Nullable<Bool>,
        escalation_window_closes -> Nullable<Date>,
        requested_by -> Nullable<Text>,
        request_grounds -> Nullable<Text>,
        request_reason -> Nullable<Text>,
        late_acceptance_reason -> Nullable<Text>,
        acknowledged_on_time -> Nullable<Bool>,
        working_days_taken -> Nullable<Integer>,
        extended -> Bool,
    }
}

diesel::table! {
    case_responses (id) {
        id -> BigInt,
        case_id -> BigInt,
        stage_id -> BigInt,
        status -> Text,
        outcome -> Text,
        findings -> Text,
        apology -> Nullable<Text>,
        letter -> Text,
        drafted_by -> Text,
        drafted_at -> Timestamp,
        approved_by -> Nullable<Text>,
        sent_at -> Nullable<Timestamp>,
        sent_at_reason -> Nullable<Text>,
        understanding -> Nullable<Text>,
        outstanding_actions -> Nullable<Text>,
    }
}

diesel::table! {
    case_extensions (id) {
        id -> BigInt,
        case_id -> BigInt,
        stage_id -> BigInt,
        status -> Text,
        reason -> Text,
        previous_due -> Date,
        new_due -> Date,
        working_days_beyond_original -> Integer,
        customer_agreed -> Bool,
        requested_by -> Text,
        requested_at -> Timestamp,
        decided_by -> Nullable<Text>,
        decided_at -> Nullable<Timestamp>,
        customer_told_at -> Nullable<Timestamp>,
        customer_agreed_at -> Nullable<Timestamp>,
        customer_agreement_method -> Nullable<Text>,
    }
}

diesel::table! {
    representatives (id) {
        id -> BigInt,
        case_id -> BigInt,
        name -> Text,
        organisation -> Nullable<Text>,
        relationship -> Nullable<Text>,
        email -> Nullable<Text>,
        phone -> Nullable<Text>,
        address -> Nullable<Text>,
        consent_to_act -> Bool,
        consent_to_release_information -> Bool,
        consent_recorded_at -> Timestamp,
        created_at -> Timestamp,
        person_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    case_events (id) {
        id -> BigInt,
        case_id -> BigInt,
        event_type -> Text,
        visibility -> Text,
        actor_subject -> Text,
        actor_role -> Text,
        occurred_at -> Timestamp,
        details -> Text,
        commit_order -> BigInt,
        feed_type -> Text,
        stage -> Nullable<Text>,
        due -> Nullable<Date>,
    }
}

diesel::table! {
    ombudsman_referrals (id) {
        id -> BigInt,
        case_id -> BigInt,
        body -> Text,
        their_reference -> Text,
        referred_on -> Date,
        information_requested_on -> Nullable<Date>,
        information_provided_on -> Nullable<Date>,
        decision -> Nullable<Text>,
        decided_on -> Nullable<Date>,
        recommendations -> Text,
        recorded_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    case_remedies (id) {
        id -> BigInt,
        case_id -> BigInt,
        service_id -> Text,
        remedy_type -> Text,
        description -> Text,
        due -> Date,
        owner -> Text,
        amount_pence -> Nullable<BigInt>,
        currency -> Nullable<Text>,
        status -> Text,
        done_on -> Nullable<Date>,
        evidence -> Nullable<Text>,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    case_documents (id) {
        id -> BigInt,
        case_id -> BigInt,
        filename -> Text,
        document_type -> Text,
        size_bytes -> BigInt,
        sha256 -> Text,
        visibility -> Text,
        storage -> Text,
        uploaded_by -> Text,
        uploaded_by_role -> Text,
        uploaded_at -> Timestamp,
    }
}

diesel::table! {
    case_document_contents (document_id) {
        document_id -> BigInt,
        content -> Binary,
    }
}

diesel::table! {
    case_flags (id) {
        id -> BigInt,
        case_id -> BigInt,
        flag -> Text,
        referred_to -> Text,
        referred_on -> Date,
        note -> Nullable<Text>,
        recorded_by -> Text,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    case_links (case_id, linked_case_id) {
        case_id -> BigInt,
        linked_case_id -> BigInt,
        recorded_by -> Text,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    case_duplicates (case_id, candidate_case_id) {
        case_id -> BigInt,
        candidate_case_id -> BigInt,
        score_permille -> Integer,
        found_at -> Timestamp,
    }
}

diesel::table! {
    case_services (case_id, service_id) {
        case_id -> BigInt,
        service_id -> Text,
        added_by -> Text,
        added_at -> Timestamp,
    }
}

diesel::table! {
    feedback_handling (case_id) {
        case_id -> BigInt,
        forwarded_at -> Nullable<Timestamp>,
        forwarded_by -> Nullable<Text>,
        forwarded_to_staff -> Nullable<Text>,
        forward_note -> Nullable<Text>,
        acknowledged_at -> Nullable<Timestamp>,
        acknowledgement_method -> Nullable<Text>,
        acknowledged_by -> Nullable<Text>,
        response_due -> Nullable<Date>,
        replied_at -> Nullable<Timestamp>,
        reply_method -> Nullable<Text>,
        replied_by -> Nullable<Text>,
        reply -> Nullable<Text>,
        action -> Nullable<Text>,
        action_details -> Nullable<Text>,
        action_recorded_by -> Nullable<Text>,
        action_recorded_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    feedback_staff (id) {
        id -> BigInt,
        case_id -> BigInt,
        name_used -> Text,
        staff_id -> Nullable<Text>,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    learning_actions (id) {
        id -> BigInt,
        learned -> Text,
        change_agreed -> Text,
        service_id -> Text,
        owner -> Text,
        due -> Date,
        status -> Text,
        evidence -> Nullable<Text>,
        completed_on -> Nullable<Date>,
        created_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> Integer,
    }
}

diesel::table! {
    learning_action_cases (action_id, case_id) {
        action_id -> BigInt,
        case_id -> BigInt,
    }
}

diesel::table! {
    self_assessment_answers (year, item) {
        year -> Integer,
        item -> Text,
        met -> Bool,
        evidence -> Text,
        answered_by -> Text,
        answered_at -> Timestamp,
    }
}

diesel::table! {
    idempotency_records (caller, idempotency_key) {
        caller -> Text,
        idempotency_key -> Text,
        request_hash -> Text,
        response_status -> Nullable<Integer>,
        response_body -> Nullable<Text>,
        response_location -> Nullable<Text>,
        response_etag -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    reference_sequences (prefix, year) {
        prefix -> Text,
        year -> Integer,
        last_number -> BigInt,
    }
}

diesel::table! {
    access_log (id) {
        id -> BigInt,
        record_id -> Text,
        occurred_at -> Timestamp,
        actor_subject -> Text,
        actor_roles -> Text,
        client_id -> Nullable<Text>,
        request_id -> Text,
        kind -> Text,
        case_reference -> Nullable<Text>,
        person_id -> Nullable<BigInt>,
        item_id -> Nullable<BigInt>,
        route -> Text,
        status -> Integer,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    access_journal_offsets (journal) {
        journal -> Text,
        committed_bytes -> BigInt,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    subject_access_requests (id) {
        id -> BigInt,
        person_id -> BigInt,
        received_on -> Date,
        original_due_on -> Date,
        due_on -> Date,
        recorded_by -> Text,
        extension_reason -> Nullable<Text>,
        extension_notice -> Nullable<Text>,
        person_told_on -> Nullable<Date>,
        extended_by -> Nullable<Text>,
        extended_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        responded_on -> Nullable<Date>,
    }
}

diesel::table! {
    disclosable_notes (event_id) {
        event_id -> BigInt,
        marked_by -> Text,
        marked_at -> Timestamp,
    }
}

diesel::joinable!(services -> directorates (directorate_id));
diesel::joinable!(cases -> services (service_id));
diesel::table! {
    webhook_endpoints (id) {
        id -> BigInt,
        owner_role -> Text,
        owner_subject -> Text,
        url -> Text,
        event_types -> Text,
        description -> Text,
        secret -> Text,
        previous_secret -> Nullable<Text>,
        previous_secret_expires_at -> Nullable<Timestamp>,
        enabled -> Bool,
        disabled_reason -> Nullable<Text>,
        failing_since -> Nullable<Timestamp>,
        leased_until -> Nullable<Timestamp>,
        created_at -> Timestamp,
        version -> Integer,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> BigInt,
        endpoint_id -> BigInt,
        event_id -> BigInt,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Nullable<Timestamp>,
        last_status_code -> Nullable<Integer>,
        last_latency_ms -> Nullable<BigInt>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    webhook_attempts (id) {
        id -> BigInt,
        delivery_id -> BigInt,
        attempted_at -> Timestamp,
        status_code -> Nullable<Integer>,
        latency_ms -> BigInt,
        error -> Nullable<Text>,
        succeeded -> Bool,
    }
}

diesel::table! {
    webhook_cursor (id) {
        id -> Integer,
        commit_order -> BigInt,
        event_id -> BigInt,
    }
}

diesel::table! {
    deadline_alerts (id) {
        id -> BigInt,
        case_id -> BigInt,
        subject -> Text,
        deadline -> Text,
        stage -> Nullable<Text>,
        about_id -> Nullable<BigInt>,
        due -> Date,
        active -> Bool,
        approaching_sent -> Bool,
        missed_sent -> Bool,
        next_alert_on -> Nullable<Date>,
    }
}

diesel::table! {
    surveys (id) {
        id -> BigInt,
        case_id -> BigInt,
        token -> Text,
        service_id -> Text,
        stage -> Text,
        invited_at -> Timestamp,
        expires_at -> Timestamp,
        answered_at -> Nullable<Timestamp>,
        easy_to_complain -> Nullable<Text>,
        kept_informed -> Nullable<Text>,
        response_clear -> Nullable<Text>,
        treated_fairly -> Nullable<Text>,
        comment -> Nullable<Text>,
    }
}

diesel::table! {
    letters (id) {
        id -> BigInt,
        case_id -> BigInt,
        kind -> Text,
        language -> Text,
        large_print -> Bool,
        subject -> Text,
        text -> Text,
        html -> Text,
        status -> Text,
        created_at -> Timestamp,
        body -> Nullable<Text>,
    }
}

diesel::table! {
    outgoing_messages (id) {
        id -> BigInt,
        case_id -> BigInt,
        letter_id -> Nullable<BigInt>,
        channel -> Text,
        provider -> Text,
        recipient -> Text,
        subject -> Text,
        body_text -> Text,
        body_html -> Nullable<Text>,
        pdf -> Nullable<Binary>,
        status -> Text,
        provider_id -> Nullable<Text>,
        provider_status -> Nullable<Text>,
        attempts -> Integer,
        next_attempt_at -> Nullable<Timestamp>,
        leased_until -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
        completed_at -> Nullable<Timestamp>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    restrictions (id) {
        id -> BigInt,
        person_id -> BigInt,
        case_id -> BigInt,
        restriction_type -> Text,
        contact_officer -> Nullable<Text>,
        contact_limit -> Nullable<Text>,
        scope -> Text,
        services -> Text,
        matter -> Text,
        behaviours -> Text,
        warned_on -> Nullable<Date>,
        warning -> Nullable<Text>,
        no_warning_reason -> Nullable<Text>,
        proportionality -> Text,
        decided_by -> Text,
        decided_by_role -> Text,
        decided_at -> Timestamp,
        starts_on -> Date,
        review_on -> Date,
        told_on -> Date,
        letter_id -> Nullable<BigInt>,
        lifted_at -> Nullable<Timestamp>,
        version -> Integer,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    restriction_reviews (id) {
        id -> BigInt,
        restriction_id -> BigInt,
        outcome -> Text,
        reasons -> Nullable<Text>,
        previous_review_on -> Date,
        new_review_on -> Nullable<Date>,
        reviewed_by -> Text,
        reviewed_at -> Timestamp,
    }
}

diesel::table! {
    restricted_contacts (id) {
        id -> BigInt,
        case_id -> BigInt,
        restriction_id -> BigInt,
        via -> Text,
        routed_to -> Nullable<Text>,
        needs_review -> Bool,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    new_issue_reviews (id) {
        id -> BigInt,
        case_id -> BigInt,
        new_issues -> Bool,
        safeguarding_concern -> Bool,
        notes -> Text,
        reviewed_by -> Text,
        reviewed_at -> Timestamp,
    }
}

diesel::table! {
    legal_holds (id) {
        id -> BigInt,
        case_id -> Nullable<BigInt>,
        person_id -> Nullable<BigInt>,
        reason -> Text,
        placed_by -> Text,
        placed_at -> Timestamp,
        lifted_by -> Nullable<Text>,
        lifted_at -> Nullable<Timestamp>,
        lift_reason -> Nullable<Text>,
    }
}

diesel::table! {
    case_anonymisations (case_id) {
        case_id -> BigInt,
        anonymised_at -> Timestamp,
        basis -> Text,
        closed_at -> Nullable<Timestamp>,
        erasure_request_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    erasure_requests (id) {
        id -> BigInt,
        person_id -> BigInt,
        received_on -> Date,
        request -> Text,
        recorded_by -> Text,
        recorded_at -> Timestamp,
        decision -> Nullable<Text>,
        lawful_basis -> Nullable<Text>,
        reason -> Nullable<Text>,
        decided_by -> Nullable<Text>,
        decided_at -> Nullable<Timestamp>,
        letter -> Nullable<Text>,
        cases_anonymised -> Nullable<Integer>,
    }
}

diesel::joinable!(deadline_alerts -> cases (case_id));
diesel::joinable!(surveys -> cases (case_id));
diesel::table! {
    case_access_links (id) {
        id -> BigInt,
        case_id -> BigInt,
        token_hash -> Text,
        channel -> Text,
        issued_at -> Timestamp,
        issued_by -> Text,
        expires_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
        revoked_by -> Nullable<Text>,
        revoke_reason -> Nullable<Text>,
        claimed_at -> Nullable<Timestamp>,
        claimed_by -> Nullable<Text>,
        exchanges -> Integer,
        last_exchanged_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(letters -> cases (case_id));
diesel::joinable!(outgoing_messages -> cases (case_id));
diesel::joinable!(case_access_links -> cases (case_id));
diesel::joinable!(cases -> customers (customer_id));
diesel::joinable!(customers -> people (person_id));
diesel::joinable!(restrictions -> people (person_id));
diesel::joinable!(restrictions -> cases (case_id));
diesel::joinable!(restriction_reviews -> restrictions (restriction_id));
diesel::joinable!(restricted_contacts -> restrictions (restriction_id));
diesel::joinable!(restricted_contacts -> cases (case_id));
diesel::joinable!(new_issue_reviews -> cases (case_id));
diesel::joinable!(adjustments -> people (person_id));
diesel::joinable!(adjustments -> cases (case_id));
diesel::joinable!(adjustment_reviews -> adjustments (adjustment_id));
diesel::joinable!(representatives -> cases (case_id));
diesel::joinable!(case_events -> cases (case_id));
diesel::joinable!(case_stages -> cases (case_id));
diesel::joinable!(case_extensions -> case_stages (stage_id));
diesel::joinable!(case_responses -> case_stages (stage_id));
diesel::joinable!(ombudsman_referrals -> cases (case_id));
diesel::joinable!(case_remedies -> cases (case_id));
diesel::joinable!(case_flags -> cases (case_id));
diesel::joinable!(case_documents -> cases (case_id));
diesel::joinable!(case_document_contents -> case_documents (document_id));
diesel::joinable!(case_services -> cases (case_id));
diesel::joinable!(feedback_handling -> cases (case_id));
diesel::joinable!(feedback_staff -> cases (case_id));
diesel::joinable!(learning_actions -> services (service_id));
diesel::joinable!(learning_action_cases -> learning_actions (action_id));
diesel::joinable!(learning_action_cases -> cases (case_id));
diesel::joinable!(webhook_deliveries -> webhook_endpoints (endpoint_id));
diesel::joinable!(webhook_deliveries -> case_events (event_id));
diesel::joinable!(webhook_attempts -> webhook_deliveries (delivery_id));

diesel::table! {
    report_lines (case_id, stage, source_id) {
        case_id -> BigInt,
        stage -> Text,
        source_id -> BigInt,
        month -> Text,
        service_id -> Text,
        channel -> Text,
        category -> Text,
        kind -> Text,
        n -> BigInt,
        accepted -> BigInt,
        resolved_informally -> BigInt,
        service_requests -> BigInt,
        excluded -> BigInt,
        outside_remit -> BigInt,
        out_of_time -> BigInt,
        acknowledged -> BigInt,
        acknowledged_on_time -> BigInt,
        responded -> BigInt,
        responded_on_time -> BigInt,
        upheld -> BigInt,
        partially_upheld -> BigInt,
        not_upheld -> BigInt,
        extended -> BigInt,
        days_sum -> BigInt,
        not_investigated -> BigInt,
        premature -> BigInt,
        upheld_fault -> BigInt,
        days -> Nullable<BigInt>,
    }
}

diesel::table! {
    report_months (month, service_id, channel, category, kind, stage) {
        month -> Text,
        service_id -> Text,
        channel -> Text,
        category -> Text,
        kind -> Text,
        stage -> Text,
        n -> BigInt,
        accepted -> BigInt,
        resolved_informally -> BigInt,
        service_requests -> BigInt,
        excluded -> BigInt,
        outside_remit -> BigInt,
        out_of_time -> BigInt,
        acknowledged -> BigInt,
        acknowledged_on_time -> BigInt,
        responded -> BigInt,
        responded_on_time -> BigInt,
        upheld -> BigInt,
        partially_upheld -> BigInt,
        not_upheld -> BigInt,
        extended -> BigInt,
        days_sum -> BigInt,
        not_investigated -> BigInt,
        premature -> BigInt,
        upheld_fault -> BigInt,
    }
}

diesel::table! {
    report_month_totals (month, service_id, kind, stage) {
        month -> Text,
        service_id -> Text,
        kind -> Text,
        stage -> Text,
        n -> BigInt,
        accepted -> BigInt,
        resolved_informally -> BigInt,
        service_requests -> BigInt,
        excluded -> BigInt,
        outside_remit -> BigInt,
        out_of_time -> BigInt,
        acknowledged -> BigInt,
        acknowledged_on_time -> BigInt,
        responded -> BigInt,
        responded_on_time -> BigInt,
        upheld -> BigInt,
        partially_upheld -> BigInt,
        not_upheld -> BigInt,
        extended -> BigInt,
        days_sum -> BigInt,
        not_investigated -> BigInt,
        premature -> BigInt,
        upheld_fault -> BigInt,
    }
}

diesel::table! {
    report_month_total_days (month, service_id, kind, stage, days) {
        month -> Text,
        service_id -> Text,
        kind -> Text,
        stage -> Text,
        days -> BigInt,
        n -> BigInt,
    }
}

diesel::table! {
    report_case_tallies (case_id, measure, value) {
        case_id -> BigInt,
        measure -> Text,
        value -> Text,
        month -> Text,
        service_id -> Text,
        n -> BigInt,
    }
}

diesel::table! {
    report_tallies (month, measure, service_id, value) {
        month -> Text,
        service_id -> Text,
        measure -> Text,
        value -> Text,
        n -> BigInt,
    }
}

diesel::table! {
    report_month_days (month, service_id, channel, category, kind, stage, days) {
        month -> Text,
        service_id -> Text,
        channel -> Text,
        category -> Text,
        kind -> Text,
        stage -> Text,
        days -> BigInt,
        n -> BigInt,
    }
}

diesel::table! {
    report_projection_state (id) {
        id -> Integer,
        fingerprint -> Text,
        rebuilt_at -> Timestamp,
    }
}

diesel::table! {
    report_rebuild (id) {
        id -> Integer,
        fingerprint -> Text,
        phase -> Text,
        after_case -> BigInt,
        after_month -> Text,
        after_service -> Text,
        cases_read -> BigInt,
        cases_rewritten -> BigInt,
        sums_written -> BigInt,
        steps -> BigInt,
        started_at -> Timestamp,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    directorates,
    services,
    customers,
    people,
    person_merges,
    adjustments,
    adjustment_reviews,
    cases,
    representatives,
    case_events,
    case_stages,
    case_extensions,
    case_responses,
    ombudsman_referrals,
    case_remedies,
    case_flags,
    case_documents,
    case_document_contents,
    case_links,
    case_duplicates,
    case_services,
    feedback_handling,
    feedback_staff,
    learning_actions,
    learning_action_cases,
    self_assessment_answers,
    idempotency_records,
    reference_sequences,
    webhook_endpoints,
    webhook_deliveries,
    webhook_attempts,
    webhook_cursor,
    deadline_alerts,
    surveys,
    letters,
    outgoing_messages,
    restrictions,
    restriction_reviews,
    restricted_contacts,
    new_issue_reviews,
    access_log,
    access_journal_offsets,
    subject_access_requests,
    disclosable_notes,
    legal_holds,
    case_anonymisations,
    erasure_requests,
    case_access_links,
    report_lines,
    report_months,
    report_month_days,
    report_projection_state,
    report_rebuild,
    report_case_tallies,
    report_tallies,
    report_month_totals,
    report_month_total_days,
);
