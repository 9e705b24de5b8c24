"""The REST API of CPNI Track: thin views over the same services, selectors and lifecycle as the
web pages, so every permission and lifecycle rule is the same.

- /api/v1/records/ (GET: list, filters and pages; POST: log a record), /api/v1/records/{reference}/
  (GET, PATCH) and its steps, each a POST: extend/, mark-for-shredding/, confirm-shredding/,
  hand-over/, receive/, confirm-sanitization/, validate/.
- /api/v1/schedules/ (GET, POST), /api/v1/schedules/{code}/ (GET; PATCH, where a change that moves
  expiry dates answers 409 with its preview until sent again with `confirm: true`).
- /api/v1/holds/ (GET, POST), /api/v1/holds/{hold_id}/ (GET), /api/v1/holds/{hold_id}/release/ (POST).
- /api/v1/certifications/ (GET).
- /api/v1/breaches/ (GET, POST), /api/v1/breaches/{breach_id}/ (GET, PATCH) and its nested actions
  notifications/ and directions/ (POST): the breach register (compliance.api).
- /api/schema/: the OpenAPI 3 schema (YAML; JSON with Accept: application/vnd.oai.openapi+json) for
  any signed-in person or token holder, 401 for anyone else.
- /api/docs/: Swagger UI, served from this site's static files under the site's CSP, for signed-in
  browsers (anonymous visitors are sent to sign in).

Authentication: `Authorization: Token <key>` (a service account's token, from `manage.py
create_api_token USERNAME`) or the browser's session (CSRF token required on writes, second factor
passed where it applies). Never HTTP Basic. Permissions: records.api.permissions.API_PERMISSIONS,
the Django permissions the web pages check. Errors: JSON problem bodies (records.api.exceptions).
Every successful response body carries `"marking": "CONFIDENTIAL"` at its top level (and on each
item of a page)."""
