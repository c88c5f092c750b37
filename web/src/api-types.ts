// Generated from web/openapi.json by openapi-typescript: do not edit. To regenerate after the
// server's API changes: copy the server's GET /api/openapi.json to web/openapi.json, then, in web/,
// `npm run api-types`. src/api-types.test.ts fails while this file is stale.

export interface paths {
    "/api/activity-log": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The caller's activity log (commissioners and district leads, who are commissioners too). */
        get: operations["activity_log"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/admin/assignments": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["list_assignments"];
        put?: never;
        post: operations["create_assignment"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/admin/assignments/{id}/end": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Sets the last day of an assignment: from the day after, the commissioner no longer reaches the
         *     resident.
         */
        post: operations["end_assignment"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/admin/audit": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The audit log, newest first: the entries that match, 500 at a time (`before` for the next
         *     page). Ids and codes only, as stored.
         */
        get: operations["audit_log"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/admin/devices": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["list_devices"];
        put?: never;
        post: operations["issue_device"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/admin/devices/{id}/revoke": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Revokes a device: its sessions end at once and it is refused from then on. */
        post: operations["revoke_device"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/admin/districts": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["list_districts"];
        put?: never;
        post: operations["create_district"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/admin/handover": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * 改選 / hand-over: each outgoing commissioner's residents to a successor from `on`, for a whole
         *     district in one transaction (see `admin::handover`). Administrator only.
         */
        post: operations["hand_over"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/admin/residents": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["list_residents"];
        put?: never;
        post: operations["create_resident"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/admin/roster/assignments": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * The city's list of assignments (担当: the resident's number, the commissioner's login name, the
         *     first day) as CSV: the preview, or with `confirm=true` the import — nothing is written while any
         *     row is in error (then 422 with the preview). Administrator only.
         */
        post: operations["import_assignments"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/admin/roster/people": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * The city's list of people (民生委員・会長・市の職員) as CSV: the preview, or with `confirm=true`
         *     the import (see `admin::people_roster`) — nothing is written while any row is in error (then 422
         *     with the preview). The import's answer holds each new person's temporary password, this once
         *     (not stored, not cached). Administrator only: it makes accounts.
         */
        post: operations["import_people"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/admin/roster/residents": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * The city's roster of residents (要援護者名簿) as CSV (UTF-8 or Shift_JIS): the preview, or with
         *     `confirm=true` the import — nothing is written while any row is in error (then 422 with the
         *     preview). City staff and the administrator.
         */
        post: operations["import_roster"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/admin/users": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["list_users"];
        put?: never;
        post: operations["create_user"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/admin/users/{id}/disable": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Disables a user: no login, and every session and sync socket of theirs ends at once. An
         *     administrator cannot disable themselves or the last enabled administrator (409).
         */
        post: operations["disable_user"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/admin/users/{id}/enable": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Enables a disabled user again (their password is unchanged: reset it if it may have leaked). */
        post: operations["enable_user"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/admin/users/{id}/password-reset": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Resets a user's password to a temporary one (returned once, never stored in clear or logged),
         *     to be replaced at the next login; every session and sync socket of the user ends at once.
         */
        post: operations["reset_password"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/admin/users/{id}/revoke-sessions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Ends every session of a user (a lost password, a departure): their next request gets 401. */
        post: operations["revoke_user_sessions"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/admin/users/{id}/role": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Changes a person's role or district (会長 from a commissioner, a move between districts…), at
         *     once and without a new login. 409 when they would leave the field with residents still
         *     assigned, for one's own administrator role, and for the last administrator's.
         */
        post: operations["change_role"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/charts": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["charts"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/devices/enrol": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Redeems a one-time enrolment code; this browser becomes the loaned device (cookie
         *     `mimamori_device`). A code works once.
         */
        post: operations["enrol"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/devices/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * The tablet reports its lock events (queued while offline, also after a local erase): each becomes
         *     an audit entry `device.unlock`, `device.lock` or `device.erase` of that device. Needs the device
         *     cookie, not a session (an erased tablet has no session to speak of). An empty list is the app's
         *     start-up check: a revoked device gets `401 device_revoked` here whatever its session.
         */
        post: operations["device_events"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/devices/key-share": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The tablet's check-in: hands its key share to the enrolled, non-revoked device of the session and
         *     records the check-in time and the app version (header `X-Mimamori-App-Version`). A revoked device
         *     gets 401 `device_revoked`, its signal to erase its local data.
         */
        get: operations["key_share"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/devices/wiped": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * A revoked tablet confirms it erased its key and data (by its device cookie; it has no session
         *     any more). Recorded in the audit log; the device's cookies are cleared.
         */
        post: operations["wiped"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/districts": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The districts (to choose a notice's audience). Names are public; any logged-in caller. */
        get: operations["districts"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/documents": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Every document the caller may sync: the PWA opens all of them at start-up. */
        get: operations["documents"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/evacuation/districts/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["paper_list"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/me": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Who am I: the caller's user, role, district and device. */
        get: operations["me"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/me/password": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Changes the caller's own password. The current one is checked under the login throttle (a
         *     stolen session cannot guess it faster than a login could); every other session of the caller
         *     ends, this one stays.
         */
        post: operations["change_password"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/notices": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The caller's notices, 緊急 first, then newest first. Listing them counts as delivered. */
        get: operations["my_notices"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/notices/{id}/read": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Records 既読 (once; repeating it changes nothing). 404 for a notice that was not for the caller. */
        post: operations["mark_read"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/notices/{id}/tracking": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Delivered and read counts and who has not read yet, by district. City staff see every district;
         *     a district lead sees their own district of a notice sent to it.
         */
        get: operations["tracking"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/push/key": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The server's VAPID public key. */
        get: operations["push_key"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/push/subscriptions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Stores this tablet's push subscription (replacing an earlier one with the same endpoint). The
         *     endpoint must be one of the allowed push services (`MIMAMORI_PUSH_SERVICES`).
         */
        post: operations["subscribe"];
        /** Removes one of the caller's subscriptions. */
        delete: operations["unsubscribe"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/reports/activity": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The month's 活動記録 for what the caller may see. */
        get: operations["activity_json"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/reports/activity.csv": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The same as CSV: UTF-8 with a BOM and CRLF line ends, so Excel opens it as it is. */
        get: operations["activity_csv"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/residents": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The caller's residents: assigned ones today (commissioner) or the district's (lead). */
        get: operations["list"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/residents/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One resident, if the caller may see them (404 otherwise, the same as for an unknown id). */
        get: operations["get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/residents/{id}/approve": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** A district lead approves a resident that a commissioner registered from a tablet. */
        post: operations["approve"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/residents/{id}/decline": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * A district lead declines a resident that a commissioner registered from a tablet: archived (the
         *     record stays), off the commissioner's list.
         */
        post: operations["decline"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/residents/{id}/document": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The resident's document as JSON (for review screens and exports), if the caller may see it. */
        get: operations["document"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/review/alerts": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The district's alerts, newest first. */
        get: operations["list_alerts"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/review/alerts/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One alert of the lead's district (what the alert's push opens); 404 for another district's. */
        get: operations["get_alert"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/review/alerts/{id}/acknowledge": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** The lead takes an alert in hand (open → acknowledged, 対応中). */
        post: operations["acknowledge_alert"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/review/alerts/{id}/close": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** The lead closes an alert (対応済み), with a note on what was done. */
        post: operations["close_alert"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/review/contacts": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The district's merged contacts: concerns and unreviewed entries first, then newest first. */
        get: operations["contacts"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/review/disasters/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The lead's roll-up of their district during a disaster. */
        get: operations["district_safety"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/review/disasters/{id}/takeovers": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * 代わりに確認する: the lead takes over a commissioner's residents for the disaster (their own tablet
         *     already holds every document of the district; the roll-up shows who covers whom).
         */
        post: operations["take_over"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/review/disasters/{id}/takeovers/{commissioner_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Ends the lead's take-over of a commissioner's residents. */
        delete: operations["release"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/review/overdue": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Residents past their contact interval, worst first; within [`SNOW_CHECK_DAYS`] of a marked
         *     snowfall, first those not contacted since the snow, overdue or not.
         */
        get: operations["overdue"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/review/problems": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * 読めなかった記録: entries of the district's documents the server could not read (codes only),
         *     newest first, so a broken tablet is noticed.
         */
        get: operations["data_problems"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/review/snowfall": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The lead's district's snowfall days of the last 30 days, newest first. */
        get: operations["snowfall_days"];
        put?: never;
        /** Marks a snowfall day for the lead's district (the 除雪 rule looks at the three days after it). */
        post: operations["mark_snowfall"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/session": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Logs in with a login id and password; sets the session cookie. */
        post: operations["login"];
        /** Ends the caller's session and clears the cookie. */
        delete: operations["logout"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/staff/disasters": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Every disaster, the newest first (city staff). */
        get: operations["list_disasters"];
        put?: never;
        /**
         * Declares a disaster (city staff): the row, its districts, the urgent notice and its pushes, in
         *     one transaction; the push sender is woken after it commits.
         */
        post: operations["declare_disaster"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/staff/disasters/{id}/counts": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The office's counts per district (counts only, no names). */
        get: operations["counts"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/staff/disasters/{id}/counts.csv": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The same counts as CSV for the 災害対策本部 (UTF-8 with a BOM, CRLF: Excel opens it as is), with a
         *     合計 row and when it was counted.
         */
        get: operations["counts_csv"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/staff/disasters/{id}/end": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Ends a disaster (city staff): tablets leave 災害モード at the push or their next `/api/me`; the
         *     records made during it stay.
         */
        post: operations["end_disaster"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/staff/notices": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Every notice, newest first (city staff). */
        get: operations["staff_list"];
        put?: never;
        /** Saves a new notice as a draft (city staff). */
        post: operations["create"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/staff/notices/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /** Edits a draft (a sent notice cannot change; withdraw it and send a new one). */
        put: operations["update"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/staff/notices/{id}/send": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Sends a draft: fixes its recipients, queues a push to each of their subscriptions (in the same
         *     transaction: a restart cannot lose them) and wakes the sender.
         */
        post: operations["send"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/staff/notices/{id}/withdraw": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Withdraws a sent notice: it leaves every tablet's list; pushes not yet sent are dropped. */
        post: operations["withdraw"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/staff/overview": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The city's overview for 福祉保険課 (issue 22 item 6): per district, residents watched, overdue,
         *     without a commissioner, and open alerts; tablets not seen for a week. Counts only. City staff
         *     and the administrator.
         */
        get: operations["overview"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/staff/snowfall": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** City staff mark a snowfall day for chosen districts, or all of them. */
        post: operations["mark_city_snowfall"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/healthz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * 200 when every part works: the database answers within 1.5 s and can be written, the committer
         *     runs, and the push worker runs and moves. 503 otherwise, naming each part that does not
         *     (`database`, `database_writes`, `committer`, `push`) in `failed`, with a reason each.
         */
        get: operations["healthz"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/sync": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** `GET /sync` without `Connection: upgrade`: upgrades go to [`upgrade`] before the App sees them. */
        get: operations["sync_ws"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        ActivityLogRef: {
            /** @description `automerge:<id>`, for `repo.find`. */
            document_url: string;
        };
        ActivityReport: {
            month: string;
            rows: components["schemas"]["ActivityRow"][];
            /** @description The sum of the rows (district for a lead, city for staff). */
            total: components["schemas"]["Totals"];
        };
        ActivityRow: {
            /** @description The commissioner's name; empty on district rows (city staff). */
            commissioner: string;
            district: string;
            totals: components["schemas"]["Totals"];
        };
        AlertOut: {
            /** Format: int64 */
            acknowledged_at?: number | null;
            acknowledged_by?: string | null;
            /** @description The lead's note on closing (what was done). */
            close_note?: string | null;
            /** Format: int64 */
            closed_at?: number | null;
            closed_by?: string | null;
            contact_id: string;
            id: string;
            /**
             * @description When the contact that raised it happened, as recorded on the tablet (ISO 8601, Japan time);
             *     none if that contact is not stored.
             */
            occurred_at?: string | null;
            /** @description Its day (`YYYY-MM-DD`). */
            occurred_on?: string | null;
            /** Format: int64 */
            raised_at: number;
            /** @description Display name of the commissioner who recorded (delivered) that contact. */
            recorded_by?: string | null;
            resident_id: string;
            resident_name: string;
            /** @description Suggested route code and label (地域包括支援センター / 110 / 119 / 地区社協). */
            route: string;
            route_label: string;
            /**
             * @description The number to call for the route: 110 and 119 themselves, the others as the city configured
             *     them (`MIMAMORI_ROUTE_PHONES`); none when it did not.
             */
            route_phone?: string | null;
            /** @description Rule code, e.g. `mailbox_twice`. */
            rule: string;
            /** @description `open`, `acknowledged` or `closed`. */
            status: string;
            /** @description What happened, in Japanese (no resident data). */
            title: string;
        };
        /** @description A row that assigns a commissioner to a resident. */
        AssignmentAdd: {
            commissioner_name: string;
            ends_on?: string | null;
            external_id: string;
            line: number;
            login: string;
            resident_id: string;
            resident_name: string;
            starts_on: string;
        };
        AssignmentOut: {
            commissioner_id: string;
            /** @description Last day of access (inclusive); none while open-ended. */
            ends_on?: string | null;
            id: string;
            resident_id: string;
            starts_on: string;
        };
        /** @description What an assignments import would do (the preview), or did (`applied`). */
        AssignmentsPlan: {
            add: components["schemas"]["AssignmentAdd"][];
            applied: boolean;
            problems: components["schemas"]["RowProblem"][];
            rows: number;
            /** @description Rows whose commissioner already watches the resident from that day on. */
            unchanged: number;
            unused_columns: string[];
        };
        /** @enum {string} */
        AudienceKind: "all" | "districts" | "role";
        /**
         * @description An entry as stored, and as the office's audit screen gets it (`GET /api/admin/audit`): ids
         *     and codes only, so the row is the answer.
         */
        AuditOut: {
            action: string;
            actor_device_id?: string | null;
            actor_user_id?: string | null;
            /** Format: int64 */
            at: number;
            /** @description JSON with ids and codes only. */
            detail: string;
            /** Format: int64 */
            id: number;
            target_id?: string | null;
            target_kind: string;
        };
        Charts: {
            districts: components["schemas"]["DistrictConcerns"][];
            /** @description Oldest first; the last is this week. */
            weeks: components["schemas"]["WeekCount"][];
        };
        /** @enum {string} */
        CheckValue: "ok" | "concern" | "unknown" | "na";
        CitySnowfallRequest: {
            /** @description `YYYY-MM-DD` */
            day: string;
            /** @description District ids; none or empty: every district (snow seldom falls on one district alone). */
            districts?: string[];
        };
        CloseAlertRequest: {
            /** @description What was done (対応済み), up to [`MAX_CLOSE_NOTE_CHARS`] characters; kept with the alert only. */
            note?: string | null;
        };
        /** @description One commissioner of the district during the disaster. */
        CommissionerSafety: {
            id: string;
            name: string;
            reported: number;
            /** @description Their residents today, 支援が必要 and 未報告 first. */
            residents: components["schemas"]["ResidentSafety"][];
            self_at?: string | null;
            self_status?: null | components["schemas"]["SelfStatus"];
            /** @description The lead who took over their residents, while in force. */
            taken_over_by?: string | null;
        };
        /** @enum {string} */
        Concern: "none" | "watch" | "urgent";
        /**
         * @description What a contact said, as the lead reads it: now ([`ReviewItem`]) or before an edit
         *     ([`EarlierVersion`]).
         */
        ContactSaid: {
            /** @description Check name → value. */
            checks: {
                [key: string]: components["schemas"]["CheckValue"];
            };
            concern: components["schemas"]["Concern"];
            kind: components["schemas"]["Kind"];
            note: string;
            /** @description As recorded on the tablet. */
            occurred_at: string;
            outcome: components["schemas"]["Outcome"];
        };
        DataProblemOut: {
            /** @description Display name of the commissioner (or lead) whose tablet sent it, if known. */
            commissioner?: string | null;
            /** Format: int64 */
            detected_at: number;
            /** @description The day the server found it (`YYYY-MM-DD`, Japan time). */
            detected_on: string;
            /** @description What kind of entry could not be read: `contact`, `review`, `activity` or `profile`. */
            entry_kind: string;
            /** @description What was wrong with it, as a code (`occurredAt: missing`); never the entry's content. */
            problem: string;
            resident_id: string;
            resident_name: string;
        };
        /** @description One thing that happened on the tablet's lock. */
        DeviceEvent: {
            /**
             * Format: int64
             * @description When it happened on the tablet (ms since the epoch).
             */
            at: number;
            /** @description `unlock`, `lock` (idle) or `erase` (local data erased on the tablet). */
            event: string;
            /** @description For `erase`: `wrong_pins` or `expired`. */
            reason?: string | null;
        };
        DeviceEvents: {
            events: components["schemas"]["DeviceEvent"][];
        };
        /** @description The answer to issuing a device: the one-time code, shown this once. */
        DeviceIssued: {
            device: components["schemas"]["DeviceOut"];
            /** @description Type it on the tablet's 端末登録 screen. */
            enrolment_code: string;
            /** @description The same code as a link (put it in a QR code). */
            enrolment_url: string;
            /** Format: int64 */
            expires_at: number;
        };
        /** @description A loaned device as administrators see it. */
        DeviceOut: {
            app_version?: string | null;
            /** Format: int64 */
            enrolled_at?: number | null;
            id: string;
            label: string;
            /**
             * Format: int64
             * @description The last check-in (login or key-share fetch).
             */
            last_seen_at?: number | null;
            /** Format: int64 */
            revoked_at?: number | null;
            /** @description `awaiting_enrolment`, `enrolled`, `revoked` or `wiped`. */
            state: string;
            /** @description Its app (at the last check-in) is older than the server accepts (「更新が必要」). */
            update_required: boolean;
            /**
             * Format: int64
             * @description When the revoked device confirmed it erased its data.
             */
            wiped_at?: number | null;
        };
        /** @description The office's counts: per district and for the city. */
        DisasterCounts: {
            /**
             * Format: int64
             * @description When counted (ms).
             */
            at: number;
            disaster: components["schemas"]["DisasterOut"];
            districts: components["schemas"]["DistrictCounts"][];
            total: components["schemas"]["SafetyCounts"];
        };
        /** @description A declaration as the office sends it. */
        DisasterIn: {
            /** @description 市内全域: every district (then `districts` is empty). */
            city_wide?: boolean;
            districts?: string[];
            /** @description 訓練: a drill, counted apart. */
            drill?: boolean;
            kind: components["schemas"]["DisasterKind"];
            /**
             * Format: int64
             * @description When it happened (ms); absent: now.
             */
            occurred_at?: number | null;
            /** @description Empty or absent: the kind's words (「大雪・暴風雪」). */
            title?: string;
        };
        /** @enum {string} */
        DisasterKind: "earthquake" | "flood" | "blizzard" | "power_cut" | "other";
        /** @description A disaster, as the office and the tablets see it. */
        DisasterOut: {
            city_wide: boolean;
            /** Format: int64 */
            declared_at: number;
            /** @description District ids it covers (every district for a city-wide one). */
            districts: string[];
            drill: boolean;
            /** Format: int64 */
            ended_at?: number | null;
            id: string;
            kind: components["schemas"]["DisasterKind"];
            /** @description The urgent notice that announced it. */
            notice_id?: string | null;
            /** Format: int64 */
            occurred_at: number;
            title: string;
        };
        DistrictConcerns: {
            district: string;
            /** Format: int64 */
            open_concerns: number;
        };
        /** @description The office's counts for one district. */
        DistrictCounts: components["schemas"]["SafetyCounts"] & {
            district_id: string;
            district_name: string;
        };
        DistrictOut: {
            code: string;
            id: string;
            name: string;
        };
        /** @description One district on the city's overview (counts only). */
        DistrictOverview: {
            code: string;
            district_id: string;
            name: string;
            /**
             * Format: int64
             * @description Alerts not yet closed.
             */
            open_alerts: number;
            /** @description Residents with a commissioner not contacted within their interval (or never). */
            overdue: number;
            /** @description 個別避難計画: needed, made with consent (the city's 計画作成数), confirmed within a year, … */
            plans: components["schemas"]["PlanCounts"];
            /**
             * @description つなぎ (referrals to agencies) made this fiscal year (from April 1, JST) — the plan's
             *     indicator (531 → 600 a year).
             */
            referrals: number;
            /** @description Of those, still waiting for an outcome (結果待ち). */
            referrals_open: number;
            /** @description Residents watched (not archived). */
            residents: number;
            /** @description Residents with no commissioner today (the lead covers them). */
            unassigned: number;
            /**
             * Format: int64
             * @description People of the district who have not read an urgent (緊急) notice still in force.
             */
            urgent_unread: number;
        };
        DistrictRef: {
            code: string;
            id: string;
            name: string;
        };
        /** @description The lead's roll-up of their district. */
        DistrictSafety: {
            commissioners: components["schemas"]["CommissionerSafety"][];
            counts: components["schemas"]["SafetyCounts"];
            disaster: components["schemas"]["DisasterOut"];
            district_id: string;
            /** @description Residents nobody is assigned to today (the lead covers them). */
            uncovered: components["schemas"]["ResidentSafety"][];
        };
        DistrictTracking: {
            delivered: number;
            district: string;
            read: number;
            recipients: number;
            /** @description Who has not read it yet (to phone them). */
            unread: components["schemas"]["PersonOut"][];
        };
        /** @description A document the caller's app should keep in sync. */
        DocumentRef: {
            /** @description `automerge:<id>`, for `repo.find`. */
            document_url: string;
            /**
             * Format: int64
             * @description When the server last accepted a change (ms since the epoch).
             */
            last_change_at?: number | null;
            resident_id: string;
            /**
             * @description Contacts whose review mark in the document the server set aside (written by someone who
             *     is not a lead, D7), each with the mark the server accepted for it ("" when none): the app
             *     shows the server's mark there, never the document's.
             */
            set_aside_reviews: {
                [key: string]: string;
            };
            /** @description `active`, or `pending`: registered from a tablet, awaiting the district lead's approval. */
            status: string;
        };
        /** @description A contact as it was until an edit replaced it. */
        EarlierVersion: components["schemas"]["ContactSaid"] & {
            /**
             * Format: int64
             * @description When the edit that replaced it arrived (ms since the epoch).
             */
            replaced_at: number;
        };
        EndAssignmentRequest: {
            /** @description `YYYY-MM-DD`, the last day of access. */
            ends_on: string;
        };
        EnrolRequest: {
            /**
             * @description The one-time code from the administrator (`XXXX-XXXX-XXXX`; case, spaces and hyphens are
             *     ignored).
             */
            code: string;
        };
        Enrolled: {
            device_id: string;
            label: string;
        };
        /** @description The JSON body of every error answer: `{"error": {"code", "message", "field"?}}`. */
        ErrorBody: {
            error: components["schemas"]["ErrorDetail"];
        };
        ErrorDetail: {
            /** @description Stable code, e.g. `invalid_length`, `unauthorized`, `forbidden`. */
            code: string;
            /** @description The request field at fault, as a path such as `role` or `residents[2].name`. */
            field?: string | null;
            /** @description A human message (Japanese where end users see it). */
            message: string;
        };
        /** @description A new person's first password: shown once, in the import's answer. */
        FirstPassword: {
            login: string;
            name: string;
            temporary_password: string;
        };
        HandOverRequest: {
            moves: components["schemas"]["Move"][];
            /** @description The successors' first day (`YYYY-MM-DD`); the predecessors' last is the day before. */
            on: string;
        };
        /** @description What a hand-over did. */
        HandOverResult: {
            /** @description Assignments made (successors). */
            assigned: number;
            /** @description Assignments ended (predecessors). */
            ended: number;
            /** @description Residents left without a commissioner (the lead covers them). */
            uncovered: number;
        };
        /** @description What `/healthz` answers with 200. */
        Health: {
            build?: string | null;
            /** @description `sqlite` or `postgres`. */
            database: string;
            ok: boolean;
            /** @description `ok`. */
            status: string;
            /**
             * @description The running version (`Cargo.toml`) and what it was built from, if the build said so
             *     ([`crate::version`]).
             */
            version: string;
        };
        /**
         * @description What `/healthz` answers with 503: which parts failed (`database`, `database_writes`,
         *     `committer`, `push`) and why, one line each for an operator.
         */
        HealthFailure: {
            build?: string | null;
            failed: string[];
            ok: boolean;
            /** @description Part → why, in one line. */
            reasons: {
                [key: string]: string;
            };
            /** @description `failing`. */
            status: string;
            version: string;
        };
        /** @description What an enrolled tablet needs to open its local store. */
        KeyShare: {
            device_id: string;
            /**
             * Format: int32
             * @description Lock the app after this many seconds without a touch.
             */
            idle_lock_secs: number;
            /**
             * @description The server's half of the local-store key (base64url, 256 bits). Never stored in clear on the
             *     tablet; combined there with a key derived from the PIN.
             */
            key_share: string;
            /**
             * Format: int32
             * @description Erase the local key after this many days without a check-in.
             */
            offline_expiry_days: number;
            /**
             * @description The app that checked in (its `X-Mimamori-App-Version`) is older than the server accepts: it
             *     should update itself at a safe moment (its records are kept and still accepted).
             */
            update_required: boolean;
        };
        /** @enum {string} */
        Kind: "visit" | "phone" | "greeting" | "indirect";
        LoginRequest: {
            login: string;
            password: string;
        };
        /** @description The caller, as the app shows them. */
        Me: {
            /** @description The enrolled device this session was opened on, if any. */
            device_id?: string | null;
            /**
             * @description 災害モード: the disasters declared and not ended that cover the caller's district (every one,
             *     for the office). Empty most days.
             */
            disasters: components["schemas"]["DisasterOut"][];
            display_name: string;
            district?: null | components["schemas"]["DistrictRef"];
            /**
             * @description The district leads of the caller's district (user ids): a review mark in a document counts
             *     on screen only when one of them wrote it (the server keeps others' out of its tables, D7).
             */
            district_leads: string[];
            id: string;
            login: string;
            /**
             * @description The oldest app this server accepts without asking it to update (`0.1.0`): an app older than
             *     this updates itself at a safe moment, its records kept.
             */
            min_app_version: string;
            /** @description The password is a temporary one from an administrator's reset: ask for a new one. */
            must_change_password: boolean;
            role: components["schemas"]["Role"];
        };
        /** @description One outgoing commissioner's residents to a successor (or to nobody yet). */
        Move: {
            /** @description The outgoing commissioner (user id). */
            from: string;
            /** @description Only these residents (to split a caseload among several successors); default: all of them. */
            residents?: string[] | null;
            /** @description The successor (user id); none: the assignments end and the lead covers. */
            to?: string | null;
        };
        NewAssignmentRequest: {
            commissioner_id: string;
            ends_on?: string | null;
            resident_id: string;
            /** @description `YYYY-MM-DD` */
            starts_on: string;
        };
        NewDeviceRequest: {
            /** @description e.g. 神楽岡-タブレット-03 */
            label: string;
        };
        NewDistrict: {
            /** @description e.g. `kaguraoka` */
            code: string;
            /** @description e.g. 神楽岡 */
            name: string;
        };
        NewResidentRequest: {
            address: string;
            /**
             * Format: int32
             * @description Default 7.
             */
            contact_interval_days?: number | null;
            district_id: string;
            /** @description ふりがな, in hiragana or katakana. */
            kana: string;
            name: string;
        };
        NewUserRequest: {
            display_name: string;
            /** @description Required for commissioners and district leads; absent for city staff and admins. */
            district_id?: string | null;
            login: string;
            /** @description 10–256 characters. */
            password: string;
            role: components["schemas"]["Role"];
        };
        /** @description A notice being composed or edited. */
        NoticeIn: {
            /** @description `all` | `districts` | `role` */
            audience: components["schemas"]["AudienceKind"];
            /** @description Plain text; line breaks and links are kept as written. */
            body: string;
            /** @description District ids, for audience `districts`. */
            districts?: string[];
            /** @description Last day shown (`YYYY-MM-DD`, Japan time), if it expires. */
            expires_on?: string | null;
            /** @description `normal` | `important` | `urgent` */
            priority: components["schemas"]["Priority"];
            role?: null | components["schemas"]["Role"];
            title: string;
        };
        /** @description A notice as a tablet shows it. */
        NoticeOut: {
            body: string;
            /** Format: int64 */
            expires_at?: number | null;
            id: string;
            /** @description `normal` (通常), `important` (重要), `urgent` (緊急). */
            priority: components["schemas"]["Priority"];
            read: boolean;
            /** Format: int64 */
            sent_at?: number | null;
            title: string;
        };
        /** @enum {string} */
        NoticeStatus: "draft" | "sent" | "withdrawn";
        /** @enum {string} */
        Outcome: "met" | "absent" | "no_answer" | "other";
        OverdueOut: {
            commissioner: string;
            /** Format: int32 */
            contact_interval_days: number;
            /**
             * Format: int64
             * @description Days past the interval (0 or less: not overdue, listed for the snow); none for a resident
             *     never contacted.
             */
            days_overdue?: number | null;
            /** @description Day of the last contact; none when never contacted. */
            last_contact_on?: string | null;
            /** @description The recent snowfall day this resident has not been contacted since (listed first), if any. */
            not_seen_since_snowfall?: string | null;
            resident_id: string;
            resident_name: string;
        };
        Overview: {
            districts: components["schemas"]["DistrictOverview"][];
            /** @description The city's target of 個別避難計画 (地域福祉計画: 500 by R11), beside the districts' counts. */
            plan_target: number;
            /**
             * @description Enrolled, not revoked tablets that have not checked in for 7 days (city-wide: a tablet is
             *     the city's loan, not a district's).
             */
            tablets_not_seen_7_days: number;
        };
        /** @description The paper list of a district. */
        PaperList: {
            /**
             * Format: int64
             * @description When it was made (ms).
             */
            at: number;
            district_id: string;
            district_name: string;
            /** @description A declared disaster covers the district: everyone who needs a plan is listed. */
            during_disaster: boolean;
            residents: components["schemas"]["PaperResident"][];
        };
        /** @description One resident on the paper list. */
        PaperResident: {
            address: string;
            /** @description Their commissioners today (names). */
            commissioners: string[];
            kana: string;
            name: string;
            phone: string;
            /**
             * @description The current plan as the document holds it (consent, needs, helpers, destination, how to
             *     reach…); none when the roster says a plan is needed and none was made.
             */
            plan?: Record<string, never> | null;
            resident_id: string;
        };
        PasswordChange: {
            current_password: string;
            /** @description 10–256 characters, not the current one. */
            new_password: string;
        };
        /** @description A reset's temporary password: shown once, to be handed to the user in person. */
        PasswordReset: {
            /** @description Sessions ended (the user's tablets and browsers must log in again). */
            sessions: number;
            temporary_password: string;
        };
        /** @description What a people import would do (the preview), or did (`applied`, with the first passwords). */
        PeoplePlan: {
            add: components["schemas"]["PersonAdd"][];
            applied: boolean;
            change: components["schemas"]["PersonChange"][];
            /** @description Only in the answer of the import itself: each new person's temporary password. */
            first_passwords: components["schemas"]["FirstPassword"][];
            not_in_file: components["schemas"]["PersonMissing"][];
            problems: components["schemas"]["RowProblem"][];
            rows: number;
            unchanged: number;
            unused_columns: string[];
        };
        /** @description A row that adds a person. */
        PersonAdd: {
            district_code?: string | null;
            line: number;
            login: string;
            name: string;
            role: components["schemas"]["Role"];
        };
        /** @description A row that changes a person's name or term. */
        PersonChange: {
            /** @description display_name, term_starts_on, term_ends_on */
            fields: string[];
            line: number;
            login: string;
            name: string;
            user_id: string;
        };
        /** @description A commissioner or lead with an active account whom the list does not name. */
        PersonMissing: {
            login: string;
            name: string;
            role: components["schemas"]["Role"];
            user_id: string;
        };
        PersonOut: {
            name: string;
            role: string;
            user_id: string;
        };
        /** @description Plan counts of one district (or the city). */
        PlanCounts: {
            /** @description Of the consented plans, confirmed (made or 「変更なし」) within the last 365 days. */
            confirmed_within_year: number;
            declined: number;
            /** @description Residents who need a plan and have none with consent. */
            missing: number;
            /** @description Residents who need a plan: the roster says so (避難行動要支援者), or one was begun. */
            needed: number;
            /** @description Plans made with the resident's consent (同意): the city's 計画作成数. */
            plans: number;
            unknown_consent: number;
        };
        /** @enum {string} */
        Priority: "normal" | "important" | "urgent";
        PushKey: {
            /** @description The VAPID public key for `PushManager.subscribe({applicationServerKey})` (base64url). */
            public_key: string;
        };
        /** @description A resident as the commissioner's list shows them. Personal data: for authorized callers only. */
        ResidentOut: {
            address: string;
            /**
             * Format: int32
             * @description Contact at least every this many days.
             */
            contact_interval_days: number;
            district_id: string;
            id: string;
            kana: string;
            name: string;
            /** @description `active`, `pending` (registered offline, awaiting the lead) or `archived`. */
            status: string;
        };
        /** @description A resident's latest 安否 for the disaster (none: 未報告). */
        ResidentSafety: {
            at?: string | null;
            name: string;
            resident_id: string;
            status?: null | components["schemas"]["SafetyStatus"];
        };
        /** @description One line of the lead's review list. */
        ReviewItem: components["schemas"]["ContactSaid"] & {
            commissioner: string;
            contact_id: string;
            /**
             * @description What the contact said before its author edited it, oldest first (empty when never edited):
             *     the lead sees what changed.
             */
            earlier: components["schemas"]["EarlierVersion"][];
            follow_up: boolean;
            /**
             * Format: int64
             * @description When the server received it (ms since the epoch).
             */
            received_at: number;
            resident_id: string;
            resident_name: string;
            review_mark?: null | components["schemas"]["ReviewMark"];
        };
        /** @enum {string} */
        ReviewMark: "confirmed" | "check" | "return";
        Revoked: {
            sessions: number;
        };
        /**
         * @description A user's role. 民生委員児童委員 (commissioner), 地区民児協会長 etc. (district lead),
         *     福祉保険課 (city staff), administrator.
         * @enum {string}
         */
        Role: "commissioner" | "district_lead" | "city_staff" | "admin";
        /** @description A person's new role and district. */
        RoleChange: {
            /** @description Required for commissioners and district leads; absent for city staff and admins. */
            district_id?: string | null;
            role: components["schemas"]["Role"];
        };
        /** @description A row that adds a resident. */
        RosterAdd: {
            district_code: string;
            external_id: string;
            line: number;
            name: string;
        };
        /** @description A row that changes a resident already imported: which fields. */
        RosterChange: {
            external_id: string;
            /** @description name, kana, address, contact_interval_days */
            fields: string[];
            line: number;
            name: string;
            resident_id: string;
        };
        /** @description A resident imported before whom this file does not list. */
        RosterMissing: {
            external_id: string;
            name: string;
            resident_id: string;
        };
        /** @description What an import would do (the preview), or did (`applied`). */
        RosterPlan: {
            add: components["schemas"]["RosterAdd"][];
            applied: boolean;
            change: components["schemas"]["RosterChange"][];
            not_in_file: components["schemas"]["RosterMissing"][];
            problems: components["schemas"]["RowProblem"][];
            rows: number;
            unchanged: number;
            /** @description Headings of columns the import does not use. */
            unused_columns: string[];
        };
        /** @description Why a row (or the file) cannot be imported: the line, the column heading, a code and words. */
        RowProblem: {
            code: string;
            /** @description The column's heading as the file wrote it (empty for a problem of the whole row or file). */
            column: string;
            line: number;
            message: string;
        };
        /**
         * @description Counts for one district (or the city): residents and their latest 安否, and the commissioners'
         *     own status.
         */
        SafetyCounts: {
            /** @description Commissioners and leads of the district. */
            commissioners: number;
            evacuated: number;
            needs_help: number;
            not_reported: number;
            reported: number;
            residents: number;
            safe: number;
            self_needs_help: number;
            self_not_reported: number;
            self_safe: number;
            taken_over: number;
            unknown: number;
        };
        /** @enum {string} */
        SafetyStatus: "safe" | "evacuated" | "needs_help" | "unknown";
        /** @enum {string} */
        SelfStatus: "safe" | "needs_help";
        /** @description A notice as the sender sees it. */
        SentNoticeOut: {
            audience: components["schemas"]["AudienceKind"];
            body: string;
            /** Format: int64 */
            created_at: number;
            districts: string[];
            /** Format: int64 */
            expires_at?: number | null;
            id: string;
            priority: components["schemas"]["Priority"];
            role?: null | components["schemas"]["Role"];
            /** Format: int64 */
            sent_at?: number | null;
            /** @description `draft`, `sent`, `withdrawn`. */
            status: components["schemas"]["NoticeStatus"];
            title: string;
            /** Format: int64 */
            withdrawn_at?: number | null;
        };
        SnowfallMarked: {
            /** @description How many districts now have the day marked. */
            districts: number;
        };
        SnowfallRequest: {
            /** @description `YYYY-MM-DD` */
            day: string;
        };
        /** @description `PushSubscription.toJSON()` as the browser gives it. */
        SubscribeRequest: {
            endpoint: string;
            /** Format: double */
            expirationTime?: number | null;
            keys: components["schemas"]["SubscriptionKeys"];
        };
        SubscriptionKeys: {
            auth: string;
            p256dh: string;
        };
        TakeOverIn: {
            /** @description The commissioner (of the lead's district) whose residents the lead checks instead. */
            commissioner_id: string;
        };
        /** @description One commissioner's month. */
        Totals: {
            /**
             * Format: int32
             * @description 活動日数.
             */
            active_days: number;
            /** @description 内容別 (keys from [`CONTENTS`]). */
            by_content: {
                [key: string]: number;
            };
            /** @description 分野別 (keys from [`FIELDS`]). */
            by_field: {
                [key: string]: number;
            };
            /**
             * Format: int32
             * @description 相談・支援件数 (contacts).
             */
            consultations: number;
            /**
             * Format: int32
             * @description 連絡調整回数.
             */
            liaison: number;
            /** @description その他の活動件数 (keys from [`OTHER_ACTIVITIES`]). */
            other_activities: {
                [key: string]: number;
            };
            /**
             * Format: int32
             * @description 訪問回数.
             */
            visits: number;
        };
        Tracking: {
            delivered: number;
            districts: components["schemas"]["DistrictTracking"][];
            notice: components["schemas"]["SentNoticeOut"];
            /** @description Push messages by state: pending, done, failed, gone. */
            pushes: {
                [key: string]: number;
            };
            read: number;
            recipients: number;
        };
        UnsubscribeRequest: {
            endpoint: string;
        };
        /** @description A user account as administrators see it (never the password hash). */
        UserOut: {
            disabled: boolean;
            display_name: string;
            district_id?: string | null;
            id: string;
            /**
             * Format: int64
             * @description The person's latest login anywhere, tablet or PC (ms; the list only).
             */
            last_login_at?: number | null;
            login: string;
            /** @description The password is a temporary one from a reset, not yet replaced by the user. */
            must_change_password: boolean;
            role: components["schemas"]["Role"];
            /** @description The tablets this person has logged in on, the latest login first (the list only). */
            tablets: components["schemas"]["UserTablet"][];
            term_ends_on?: string | null;
            /** @description The term (任期), first and last day `YYYY-MM-DD`, as the city's list of people says. */
            term_starts_on?: string | null;
        };
        /** @description A tablet a person has logged in on: when last, and when it last checked in with the server. */
        UserTablet: {
            device_id: string;
            label: string;
            /**
             * Format: int64
             * @description The person's latest login on it (ms).
             */
            last_login_at: number;
            /**
             * Format: int64
             * @description The tablet's latest check-in, whoever was logged in (ms).
             */
            last_seen_at?: number | null;
            revoked: boolean;
        };
        WeekCount: {
            /** Format: int32 */
            contacts: number;
            /** @description The Monday, `YYYY-MM-DD`. */
            week_start: string;
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    activity_log: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ActivityLogRef"];
                };
            };
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    list_assignments: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AssignmentOut"][];
                };
            };
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    create_assignment: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["NewAssignmentRequest"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AssignmentOut"];
                };
            };
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    end_assignment: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description assignment id */
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["EndAssignmentRequest"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AssignmentOut"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    audit_log: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description A user's id, or `-` for what no user did (the host's admin commands, a tablet's enrolment
                 *     before anyone logs in on it).
                 */
                actor: string | null;
                /** @description An action code as stored, e.g. `user.password_reset`. */
                action: string | null;
                /** @description The first day (`YYYY-MM-DD`, Japan), included. */
                from: string | null;
                /** @description The last day (`YYYY-MM-DD`, Japan), included. */
                to: string | null;
                /** @description Only entries older than this id: the next page (the last id of the page before). */
                before: number | null;
                /** @description How many at most (1–500; 500 when left out). */
                limit: number | null;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AuditOut"][];
                };
            };
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    list_devices: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DeviceOut"][];
                };
            };
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    issue_device: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["NewDeviceRequest"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DeviceIssued"];
                };
            };
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    revoke_device: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description device id */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DeviceOut"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    list_districts: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DistrictOut"][];
                };
            };
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    create_district: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["NewDistrict"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DistrictOut"];
                };
            };
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    hand_over: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["HandOverRequest"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HandOverResult"];
                };
            };
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    list_residents: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ResidentOut"][];
                };
            };
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    create_resident: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["NewResidentRequest"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ResidentOut"];
                };
            };
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    import_assignments: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Write the import (only when no row is in error); without it, the preview. */
                confirm: boolean;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "text/csv": string;
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AssignmentsPlan"];
                };
            };
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AssignmentsPlan"];
                };
            };
        };
    };
    import_people: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Write the import (only when no row is in error); without it, the preview. */
                confirm: boolean;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "text/csv": string;
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PeoplePlan"];
                };
            };
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PeoplePlan"];
                };
            };
        };
    };
    import_roster: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Write the import (only when no row is in error); without it, the preview. */
                confirm: boolean;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "text/csv": string;
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RosterPlan"];
                };
            };
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RosterPlan"];
                };
            };
        };
    };
    list_users: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["UserOut"][];
                };
            };
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    create_user: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["NewUserRequest"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["UserOut"];
                };
            };
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    disable_user: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description user id */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["UserOut"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    enable_user: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description user id */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["UserOut"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    reset_password: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description user id */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PasswordReset"];
                };
            };
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    revoke_user_sessions: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description user id */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Revoked"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    change_role: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description user id */
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["RoleChange"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["UserOut"];
                };
            };
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    charts: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Charts"];
                };
            };
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    enrol: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["EnrolRequest"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Enrolled"];
                };
            };
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    device_events: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["DeviceEvents"];
            };
        };
        responses: {
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    key_share: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["KeyShare"];
                };
            };
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    wiped: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    districts: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DistrictOut"][];
                };
            };
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    documents: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DocumentRef"][];
                };
            };
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    paper_list: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description district id */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PaperList"];
                };
            };
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    me: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Me"];
                };
            };
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    change_password: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["PasswordChange"];
            };
        };
        responses: {
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    my_notices: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["NoticeOut"][];
                };
            };
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    mark_read: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description notice id */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    tracking: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description notice id */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Tracking"];
                };
            };
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    push_key: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PushKey"];
                };
            };
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    subscribe: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["SubscribeRequest"];
            };
        };
        responses: {
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    unsubscribe: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["UnsubscribeRequest"];
            };
        };
        responses: {
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    activity_json: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description `YYYY-MM` */
                month: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ActivityReport"];
                };
            };
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    activity_csv: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description `YYYY-MM` */
                month: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description text/csv */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    list: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ResidentOut"][];
                };
            };
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    get: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description resident id */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ResidentOut"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    approve: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description resident id */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ResidentOut"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    decline: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description resident id */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ResidentOut"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    document: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description resident id */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": Record<string, never>;
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    list_alerts: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description `open`, `acknowledged` or `closed`; all when absent. */
                status: string | null;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AlertOut"][];
                };
            };
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    get_alert: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description alert id */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AlertOut"];
                };
            };
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    acknowledge_alert: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description alert id */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AlertOut"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    close_alert: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description alert id */
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CloseAlertRequest"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AlertOut"];
                };
            };
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    contacts: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                commissioner_id: string | null;
                resident_id: string | null;
                /** @description `YYYY-MM-DD` */
                from: string | null;
                /** @description `YYYY-MM-DD` (inclusive) */
                to: string | null;
                /** @description visit | phone | greeting | indirect */
                kind: string | null;
                /** @description none | watch | urgent */
                concern: string | null;
                /** @description A check that must be 気になる: lights | mailbox | garbage | snow | curtains | laundry */
                check: string | null;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ReviewItem"][];
                };
            };
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    district_safety: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description disaster id */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DistrictSafety"];
                };
            };
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    take_over: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description disaster id */
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["TakeOverIn"];
            };
        };
        responses: {
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    release: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description disaster id */
                id: string;
                /** @description user id */
                commissioner_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    overdue: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OverdueOut"][];
                };
            };
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    data_problems: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DataProblemOut"][];
                };
            };
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    snowfall_days: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": string[];
                };
            };
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    mark_snowfall: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["SnowfallRequest"];
            };
        };
        responses: {
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    login: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["LoginRequest"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Me"];
                };
            };
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    logout: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    list_disasters: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DisasterOut"][];
                };
            };
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    declare_disaster: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["DisasterIn"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DisasterOut"];
                };
            };
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    counts: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description disaster id */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DisasterCounts"];
                };
            };
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    counts_csv: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description disaster id */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/csv": string;
                };
            };
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    end_disaster: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description disaster id */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DisasterOut"];
                };
            };
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    staff_list: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SentNoticeOut"][];
                };
            };
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    create: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["NoticeIn"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SentNoticeOut"];
                };
            };
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    update: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description notice id */
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["NoticeIn"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SentNoticeOut"];
                };
            };
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    send: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description notice id */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SentNoticeOut"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    withdraw: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description notice id */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SentNoticeOut"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    overview: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Overview"];
                };
            };
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    mark_city_snowfall: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CitySnowfallRequest"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SnowfallMarked"];
                };
            };
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    healthz: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Health"];
                };
            };
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HealthFailure"];
                };
            };
        };
    };
    sync_ws: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description switching to the automerge-repo WebSocket protocol */
            101: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
}
