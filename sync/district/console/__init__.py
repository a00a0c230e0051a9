"""The district admin console: server-rendered pages under ``/console/`` (Jinja2,
Simplified Chinese, a few lines of JavaScript, charts as inline SVG).

Pages: sign-in; dashboard; batches (list, detail); cases (filtered list with bulk
decisions, detail with decisions and the audited reveal of personal data, CSV/XLSX
exports); 差评 callbacks; desks (enrollment codes, revoke); catalog (publish); users;
audit log. See :mod:`sync.district.console.auth` for sessions, CSRF and roles.

:func:`sync.district.console.mount.install` mounts it on the district app (one call in
``create_app``). This package's own module imports nothing, so the storage layer can import
:mod:`sync.district.console.audit` (the one audit append, see
:func:`~sync.district.console.audit.append_audit`) without a cycle.
"""

