"""The one reader of the OpenAPI documents: loading, pointers and `$ref`s, operations, coercion, security schemes,
validators, the kit's profiles and SSE framing. Nothing else in wfmock parses a document."""
