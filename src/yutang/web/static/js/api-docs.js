// Swagger UI from Yutang's own files (npm's swagger-ui-dist), so /api/docs works offline
// and under the same Content-Security-Policy as every page (no inline script).
(function () {
  "use strict";
  var box = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: box.dataset.spec,
    dom_id: "#swagger-ui",
    oauth2RedirectUrl: window.location.origin + box.dataset.oauth2Redirect,
    layout: "BaseLayout",
    deepLinking: true,
    showExtensions: true,
    persistAuthorization: true,
    presets: [SwaggerUIBundle.presets.apis],
  });
})();
