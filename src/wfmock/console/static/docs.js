// Swagger UI over the mock's own documents; the first server of each is the mock, so "Try it out" calls it.
(function () {
  "use strict";
  const root = document.getElementById("swagger-ui");
  const config = JSON.parse(root.dataset.config);
  window.ui = SwaggerUIBundle({
    urls: config.urls,
    "urls.primaryName": config.primaryName,
    dom_id: "#swagger-ui",
    deepLinking: true,
    displayOperationId: true,
    persistAuthorization: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    plugins: [SwaggerUIBundle.plugins.DownloadUrl],
    layout: "StandaloneLayout",
  });
})();
