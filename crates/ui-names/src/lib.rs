//! Names the app and its browser tests share, defined once: the `data-testid` of every element
//! a test finds, and the keys the app keeps in the browser's storage. A renamed id changes here
//! and both sides follow; a misspelt one does not compile.

/// `data-testid` values. Ids built from a key (a column, a type, a section) have a function.
pub mod testid {
    /// `account`
    pub const ACCOUNT: &str = "account";
    /// `api-base`
    pub const API_BASE: &str = "api-base";
    /// `api-base-error`
    pub const API_BASE_ERROR: &str = "api-base-error";
    /// `api-key`
    pub const API_KEY: &str = "api-key";
    /// `api-secret`
    pub const API_SECRET: &str = "api-secret";
    /// `apply`
    pub const APPLY: &str = "apply";
    /// `back`
    pub const BACK: &str = "back";
    /// `close-file`
    pub const CLOSE_FILE: &str = "close-file";
    /// `columns`
    pub const COLUMNS: &str = "columns";
    /// `compact`
    pub const COMPACT: &str = "compact";
    /// `config-base`
    pub const CONFIG_BASE: &str = "config-base";
    /// `connection-result`
    pub const CONNECTION_RESULT: &str = "connection-result";
    /// `copied`
    pub const COPIED: &str = "copied";
    /// `copy-id`
    pub const COPY_ID: &str = "copy-id";
    /// `copy-json`
    pub const COPY_JSON: &str = "copy-json";
    /// `credentials-note`
    pub const CREDENTIALS_NOTE: &str = "credentials-note";
    /// `date-from`
    pub const DATE_FROM: &str = "date-from";
    /// `date-hint`
    pub const DATE_HINT: &str = "date-hint";
    /// `date-to`
    pub const DATE_TO: &str = "date-to";
    /// `detail`
    pub const DETAIL: &str = "detail";
    /// The detail view's table of what the event changed.
    pub const DETAIL_CHANGES: &str = "detail-changes";
    /// `detail-description`
    pub const DETAIL_DESCRIPTION: &str = "detail-description";
    /// `detail-type`
    pub const DETAIL_TYPE: &str = "detail-type";
    /// `dropzone`
    pub const DROPZONE: &str = "dropzone";
    /// `empty`
    pub const EMPTY: &str = "empty";
    /// `empty-reset`
    pub const EMPTY_RESET: &str = "empty-reset";
    /// `error-banner`
    pub const ERROR_BANNER: &str = "error-banner";
    /// `error-message`
    pub const ERROR_MESSAGE: &str = "error-message";
    /// `events-table`
    pub const EVENTS_TABLE: &str = "events-table";
    /// `export`
    pub const EXPORT: &str = "export";
    /// `export-cancel`
    pub const EXPORT_CANCEL: &str = "export-cancel";
    /// `export-control`
    pub const EXPORT_CONTROL: &str = "export-control";
    /// `export-done`
    pub const EXPORT_DONE: &str = "export-done";
    /// `export-error`
    pub const EXPORT_ERROR: &str = "export-error";
    /// `export-format`
    pub const EXPORT_FORMAT: &str = "export-format";
    /// `export-manifest`
    pub const EXPORT_MANIFEST: &str = "export-manifest";
    /// `export-progress`
    pub const EXPORT_PROGRESS: &str = "export-progress";
    /// `export-status`
    pub const EXPORT_STATUS: &str = "export-status";
    /// `filter-error`
    pub const FILTER_ERROR: &str = "filter-error";
    /// `filters`
    pub const FILTERS: &str = "filters";
    /// `first`
    pub const FIRST: &str = "first";
    /// `go-last`
    pub const GO_LAST: &str = "go-last";
    /// `json-tree`
    pub const JSON_TREE: &str = "json-tree";
    /// `jump-error`
    pub const JUMP_ERROR: &str = "jump-error";
    /// `jump-go`
    pub const JUMP_GO: &str = "jump-go";
    /// `jump-page`
    pub const JUMP_PAGE: &str = "jump-page";
    /// `last`
    pub const LAST: &str = "last";
    /// `live`
    pub const LIVE: &str = "live";
    /// `live-control`
    pub const LIVE_CONTROL: &str = "live-control";
    /// `live-count`
    pub const LIVE_COUNT: &str = "live-count";
    /// `live-every`
    pub const LIVE_EVERY: &str = "live-every";
    /// `live-note`
    pub const LIVE_NOTE: &str = "live-note";
    /// `live-show-newest`
    pub const LIVE_SHOW_NEWEST: &str = "live-show-newest";
    /// `loading`
    pub const LOADING: &str = "loading";
    /// `local-copy`
    pub const LOCAL_COPY: &str = "local-copy";
    /// `views` (the saved views' dropdown)
    pub const VIEWS: &str = "views";
    /// `view-name`
    pub const VIEW_NAME: &str = "view-name";
    /// `view-save`
    pub const VIEW_SAVE: &str = "view-save";
    /// `view-link` (`data-name` names it)
    pub const VIEW_LINK: &str = "view-link";
    /// `view-rename`
    pub const VIEW_RENAME: &str = "view-rename";
    /// `view-delete`
    pub const VIEW_DELETE: &str = "view-delete";
    /// `view-note`
    pub const VIEW_NOTE: &str = "view-note";
    /// `recent-link`
    pub const RECENT_LINK: &str = "recent-link";
    /// `views-export`
    pub const VIEWS_EXPORT: &str = "views-export";
    /// `views-import`
    pub const VIEWS_IMPORT: &str = "views-import";
    /// `facets`
    pub const FACETS: &str = "facets";
    /// `facet` (one field's values; `data-field` names it)
    pub const FACET: &str = "facet";
    /// `facet-include` (a value's button; `data-value`, `data-count`)
    pub const FACET_INCLUDE: &str = "facet-include";
    /// `facet-exclude`
    pub const FACET_EXCLUDE: &str = "facet-exclude";
    /// `keep-copy`
    pub const KEEP_COPY: &str = "keep-copy";
    /// `kept-size`
    pub const KEPT_SIZE: &str = "kept-size";
    /// `kept-delete`
    pub const KEPT_DELETE: &str = "kept-delete";
    /// `kept-failed`: the status line says the copy could not be kept on this device
    pub const KEPT_FAILED: &str = "kept-failed";
    /// `saved-views-count`
    pub const SAVED_VIEWS_COUNT: &str = "saved-views-count";
    /// `saved-views-delete`
    pub const SAVED_VIEWS_DELETE: &str = "saved-views-delete";
    /// `local-check`
    pub const LOCAL_CHECK: &str = "local-check";
    /// `local-retry`
    pub const LOCAL_RETRY: &str = "local-retry";
    /// `alert-row`: one alert of the Alerts view
    pub const ALERT_ROW: &str = "alert-row";
    /// `alert-events`: an alert's link to its events in the list
    pub const ALERT_EVENTS: &str = "alert-events";
    /// `alerts-table`
    pub const ALERTS_TABLE: &str = "alerts-table";
    /// `alerts-none`: the Alerts view against a server without a watch
    pub const ALERTS_NONE: &str = "alerts-none";
    /// `alerts-summary`
    pub const ALERTS_SUMMARY: &str = "alerts-summary";
    /// `nav-alerts`: the main navigation's link to the Alerts view (an archive with a watch)
    pub const NAV_ALERTS: &str = "nav-alerts";
    /// `source-name`: what the signed-in account is read from (an archive names itself)
    pub const SOURCE_NAME: &str = "source-name";
    /// `nav-events`: the main navigation's link to the list as last shown
    pub const NAV_EVENTS: &str = "nav-events";
    /// `next`
    pub const NEXT: &str = "next";
    /// `offline-banner`
    pub const OFFLINE_BANNER: &str = "offline-banner";
    /// `offline-errors`
    pub const OFFLINE_ERRORS: &str = "offline-errors";
    /// `offline-name`
    pub const OFFLINE_NAME: &str = "offline-name";
    /// `open-file`
    pub const OPEN_FILE: &str = "open-file";
    /// `page-of`
    pub const PAGE_OF: &str = "page-of";
    /// `page-size`
    pub const PAGE_SIZE: &str = "page-size";
    /// `pager`
    pub const PAGER: &str = "pager";
    /// `past-last`
    pub const PAST_LAST: &str = "past-last";
    /// `preset`
    pub const PRESET: &str = "preset";
    /// `prev`
    pub const PREV: &str = "prev";
    /// `print-statement`: what a printed list is (source, query, time), shown on paper only
    pub const PRINT_STATEMENT: &str = "print-statement";
    /// `proxy-url`
    pub const PROXY_URL: &str = "proxy-url";
    /// `refreshing`
    pub const REFRESHING: &str = "refreshing";
    /// `remember`
    pub const REMEMBER: &str = "remember";
    /// `remember-warning`
    pub const REMEMBER_WARNING: &str = "remember-warning";
    /// `reset`
    pub const RESET: &str = "reset";
    /// `reset-filters`
    pub const RESET_FILTERS: &str = "reset-filters";
    /// `retry`
    pub const RETRY: &str = "retry";
    /// `rows-stale`
    pub const ROWS_STALE: &str = "rows-stale";
    /// `save-settings`
    pub const SAVE_SETTINGS: &str = "save-settings";
    /// `saved`
    pub const SAVED: &str = "saved";
    /// `search-text`
    pub const SEARCH_TEXT: &str = "search-text";
    /// `security-loading`
    pub const SECURITY_LOADING: &str = "security-loading";
    /// `security-range`
    pub const SECURITY_RANGE: &str = "security-range";
    /// `security-summary`
    pub const SECURITY_SUMMARY: &str = "security-summary";
    /// `shortcuts`
    pub const SHORTCUTS: &str = "shortcuts";
    /// `show-shortcuts`
    pub const SHOW_SHORTCUTS: &str = "show-shortcuts";
    /// `showing`
    pub const SHOWING: &str = "showing";
    /// `sign-in`
    pub const SIGN_IN: &str = "sign-in";
    /// `sign-out`
    pub const SIGN_OUT: &str = "sign-out";
    /// `signin-error`
    pub const SIGNIN_ERROR: &str = "signin-error";
    /// `signin-form`
    pub const SIGNIN_FORM: &str = "signin-form";
    /// `signin-notice`
    pub const SIGNIN_NOTICE: &str = "signin-notice";
    /// `test-connection`
    pub const TEST_CONNECTION: &str = "test-connection";
    /// `theme`
    pub const THEME: &str = "theme";
    /// `timeline`
    pub const TIMELINE: &str = "timeline";
    /// `timeline-bar`
    pub const TIMELINE_BAR: &str = "timeline-bar";
    /// `timeline-summary`
    pub const TIMELINE_SUMMARY: &str = "timeline-summary";
    /// `toggle-secret`
    pub const TOGGLE_SECRET: &str = "toggle-secret";
    /// `try-demo`
    pub const TRY_DEMO: &str = "try-demo";
    /// `type-filter`
    pub const TYPE_FILTER: &str = "type-filter";
    /// `type-options`
    pub const TYPE_OPTIONS: &str = "type-options";
    /// `type-search`
    pub const TYPE_SEARCH: &str = "type-search";
    /// `type-summary`
    pub const TYPE_SUMMARY: &str = "type-summary";
    /// `types-clear`
    pub const TYPES_CLEAR: &str = "types-clear";
    /// `unusual-hours`
    pub const UNUSUAL_HOURS: &str = "unusual-hours";
    /// `use-config`
    pub const USE_CONFIG: &str = "use-config";
    /// `zone-label`
    pub const ZONE_LABEL: &str = "zone-label";
    /// `zone-local`
    pub const ZONE_LOCAL: &str = "zone-local";
    /// `zone-named`: the filters' radio for the IANA zone chosen in Settings.
    pub const ZONE_NAMED: &str = "zone-named";
    /// `zone-name`
    pub const ZONE_NAME: &str = "zone-name";
    /// `zone-utc`
    pub const ZONE_UTC: &str = "zone-utc";

    /// `detail-id`
    pub const DETAIL_ID: &str = "detail-id";
    /// `detail-time`
    pub const DETAIL_TIME: &str = "detail-time";
    /// `detail-created-at`
    pub const DETAIL_CREATED_AT: &str = "detail-created-at";
    /// `detail-email`
    pub const DETAIL_EMAIL: &str = "detail-email";
    /// `detail-user-id`
    pub const DETAIL_USER_ID: &str = "detail-user-id";
    /// `detail-account`
    pub const DETAIL_ACCOUNT: &str = "detail-account";
    /// `detail-source`
    pub const DETAIL_SOURCE: &str = "detail-source";
    /// `detail-ip`
    pub const DETAIL_IP: &str = "detail-ip";
    /// `detail-country`
    pub const DETAIL_COUNTRY: &str = "detail-country";

    /// The security overview's sections: logins by country, by IP, changes at unusual hours,
    /// key and secret changes. Each section's table or list has the section's id; its rows or
    /// items, its export buttons add a suffix (see [`in_section`]).
    pub const COUNTRIES: &str = "countries";
    /// See [`COUNTRIES`].
    pub const IPS: &str = "ips";
    /// See [`COUNTRIES`].
    pub const UNUSUAL: &str = "unusual";
    /// See [`COUNTRIES`].
    pub const KEY_CHANGES: &str = "key-changes";

    /// A part of a security section: `{section}-{part}`, where part is `row`, `item`, `export`,
    /// `csv` or `manifest`.
    pub fn in_section(section: &str, part: &str) -> String {
        format!("{section}-{part}")
    }

    /// The detail view's link to the events around it.
    pub const AROUND: &str = "around";
    /// The detail view's link to every event of the same user.
    pub const SAME_USER: &str = "same-user";
    /// The detail view's link to every event from the same IP address.
    pub const SAME_IP: &str = "same-ip";
    /// The detail view's link to every event about the same resource (a context value).
    pub const SAME_RESOURCE: &str = "same-resource";
    /// The search box's completions (a `<datalist>`).
    pub const SEARCH_COMPLETIONS: &str = "search-completions";
    /// The detail view's link to the same user's event before this one.
    pub const PREVIOUS_BY_USER: &str = "previous-by-user";
    /// The detail view's link to the same user's event after this one.
    pub const NEXT_BY_USER: &str = "next-by-user";
    /// The detail view's history of the resource the event is about.
    pub const RESOURCE_HISTORY: &str = "resource-history";
    /// One event of that history (`data-id`; `aria-current` on the event shown).
    pub const HISTORY_ROW: &str = "history-row";

    /// Every row of the events table.
    pub const EVENT_ROW: &str = "event-row";

    /// A cell of an events-table row, by column key: `cell-{key}` (`cell-summary` for details).
    pub fn cell(key: &str) -> String {
        match key {
            "details" => "cell-summary".to_string(),
            key => format!("cell-{key}"),
        }
    }

    /// A column chooser's checkbox: `column-{key}`.
    pub fn column(key: &str) -> String {
        format!("column-{key}")
    }

    /// A column heading's sort button: `sort-{key}`.
    pub fn sort(key: &str) -> String {
        format!("sort-{key}")
    }

    /// An event type's count beside its checkbox in the type list: `type-count-{name}`.
    pub fn type_count(name: &str) -> String {
        format!("type-count-{name}")
    }

    /// An event type's checkbox in the type list: `type-option-{name}`.
    pub fn type_option(name: &str) -> String {
        format!("type-option-{name}")
    }
}

/// Keys in localStorage and sessionStorage.
pub mod storage {
    /// The API key and secret (sessionStorage, or localStorage when "remember" is ticked).
    pub const CREDENTIALS: &str = "audit-viewer.credentials";
    /// The Settings override of the proxy address (localStorage).
    pub const API_BASE: &str = "audit-viewer.api-base";
    /// The zone times are shown in: `utc`, `local` or an IANA name (localStorage).
    pub const ZONE: &str = "audit-viewer.zone";
    /// Earlier versions' choice between UTC (`true`) and local time (`false`), read once to
    /// carry it over (localStorage).
    pub const UTC: &str = "audit-viewer.utc";
    /// Hidden table columns (localStorage).
    pub const HIDDEN_COLUMNS: &str = "audit-viewer.hidden-columns";
    /// Compact rows (localStorage).
    pub const COMPACT: &str = "audit-viewer.compact";
    /// The theme (localStorage).
    pub const THEME: &str = "audit-viewer.theme";
    /// The name of the file open offline, to say after a reload that it must be opened again
    /// (sessionStorage).
    pub const OPEN_FILE: &str = "audit-viewer.open-file";
    /// Keep the local copy on this device (`on`, localStorage); the copies themselves are in
    /// IndexedDB (database `audit-viewer`, store `copies`).
    pub const KEEP_COPY: &str = "audit-viewer.keep-copy";
    /// Saved views: name, query and hidden columns, as JSON (localStorage).
    pub const SAVED_VIEWS: &str = "audit-viewer.saved-views";
    /// The ten queries last looked at, as JSON (localStorage).
    pub const RECENT_QUERIES: &str = "audit-viewer.recent-queries";
    /// Benchmark marks on (`on`, localStorage; see the app's instrument module).
    pub const INSTRUMENT: &str = "audit-viewer.instrument";
    /// The requests the first view of a page asked, as JSON (its path and query, the API key
    /// and each method and URL; no secret), for the next load of that page to start them
    /// before the app's code has arrived (boot.js). Beside the credentials, in the same store.
    pub const FIRST_REQUESTS: &str = "audit-viewer.first-requests";

    /// Every key above, for the test that keeps docs/security.md's list of what is stored complete.
    pub const ALL: [&str; 14] = [
        CREDENTIALS,
        API_BASE,
        ZONE,
        UTC,
        HIDDEN_COLUMNS,
        COMPACT,
        THEME,
        OPEN_FILE,
        KEEP_COPY,
        SAVED_VIEWS,
        RECENT_QUERIES,
        INSTRUMENT,
        FIRST_REQUESTS,
        IDB_DATABASE,
    ];
    /// The IndexedDB database of the kept local copies.
    pub const IDB_DATABASE: &str = "audit-viewer";
}
