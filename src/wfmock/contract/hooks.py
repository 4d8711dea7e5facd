"""schemathesis hooks for plain `schemathesis run` users: real ids for request properties that reference another
operation's result, and no negative form case a server cannot refuse (`wfmock.contract.references` says why; the
contract kit installs the same hooks on its own loaded schema only).

Load them from `schemathesis.toml`:

    hooks = "wfmock.contract.hooks"

or with `SCHEMATHESIS_HOOKS=wfmock.contract.hooks`, and give an id the server knows (uploaded with
the same key that schemathesis sends):

    export WFMOCK_UPLOAD_FILE_ID=$(curl -s -H "Authorization: Bearer $KEY" -F file=@note.txt -F user=me \\
        "$URL/ext/v1/files/upload" | python -c 'import json, sys; print(json.load(sys.stdin)["id"])')
    SCHEMATHESIS_HOOKS=wfmock.contract.hooks schemathesis run openapi/miso.yaml --url "$URL" ...

Without an id in the environment, cases are left as generated.
"""

from __future__ import annotations

import schemathesis

from wfmock.contract.references import from_environment, register_hooks

filter_case, map_case, before_add_examples = register_hooks(schemathesis.hook, from_environment)
