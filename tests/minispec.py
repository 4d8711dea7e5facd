"""A small OpenAPI document for unit-testing the spec-driven stages without the real contracts."""

from wfmock.openapi.spec import ApiSpec

DOCUMENT = {
    "openapi": "3.2.0",
    "info": {"title": "mini", "version": "1"},
    "components": {
        "securitySchemes": {
            "ApiKeyAuth": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
            "BearerAuth": {"type": "http", "scheme": "bearer"},
        },
        "schemas": {
            "Site": {"type": "string", "enum": ["HOMETAX", "WEHAGO"]},
            "Create": {
                "type": "object",
                "required": ["type", "params"],
                "properties": {"type": {"const": "scraping"}, "params": {"oneOf": [
                    {"type": "object", "required": ["siteCode", "credentialId"],
                     "properties": {"siteCode": {"const": "HOMETAX"}, "credentialId": {"type": "string"},
                                    "month": {"type": "integer", "minimum": 1, "maximum": 12}}},
                    {"type": "object", "required": ["siteCode", "group"],
                     "properties": {"siteCode": {"const": "WEHAGO"}, "group": {"enum": ["financial"]}}},
                ]}},
            },
        },
    },
    "x-wfmock-errors": {"VALIDATION_ERROR": {"status": 400, "error": "Invalid request", "message": "bad"}},
    "paths": {
        "/v2/workflows": {"post": {
            "operationId": "create", "security": [{"ApiKeyAuth": []}],
            "requestBody": {"required": True, "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/Create"}}}},
            "responses": {"200": {"description": "ok"}},
        }},
        "/v2/workflows/{id}": {"get": {
            "operationId": "read", "security": [{"ApiKeyAuth": []}],
            "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string", "pattern": "^wf_"}}],
            "responses": {"200": {"description": "ok"}},
        }},
        "/logs": {"get": {
            "operationId": "logs", "security": [{"BearerAuth": []}],
            "parameters": [
                {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100}},
                {"name": "site", "in": "query", "schema": {"$ref": "#/components/schemas/Site"}},
            ],
            "responses": {"200": {"description": "ok"}},
        }},
        "/open": {"get": {"operationId": "open", "security": [], "responses": {"200": {"description": "ok"}}}},
    },
}


def mini_spec() -> ApiSpec:
    return ApiSpec("mini", DOCUMENT)
