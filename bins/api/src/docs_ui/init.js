// The RigMaster Commerce API reference: Swagger UI (loaded by /docs from
// /docs/swagger-ui-bundle.js) over the server's own OpenAPI document. A script of its own,
// not inline, so that the page's Content-Security-Policy can forbid inline scripts.
"use strict";

window.ui = SwaggerUIBundle({
  url: "/api/v1/openapi.json",
  dom_id: "#swagger-ui",
  // No badge fetched from the online validator: the page reaches only this server.
  validatorUrl: null,
  deepLinking: true,
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout",
  // ?url= and ?configUrl= in the page's address are ignored: the page shows this API only.
  queryConfigEnabled: false,
  displayRequestDuration: true,
  filter: true,
});
