// The console's few behaviours, as data attributes (the CSP allows no inline script):
//   <form data-confirm="…">   asks before submitting (destructive or value-moving actions)
//   <select data-autosubmit>   submits its form when changed (the workspace switcher)
//   <input data-check-all="name"> ticks every checkbox called name (bulk actions)
//   <div data-chart>           an ECharts chart; its option is the JSON of the
//                              <script type="application/json"> inside it
//   <a data-poster-preview>    opens the poster preview with the poster fields of its
//                              form as typed, not yet saved (only those fields: the
//                              form's token never goes into an address)
(function () {
  "use strict";

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var submitter = event.submitter;
    var message = (submitter && submitter.dataset.confirm) || form.dataset.confirm;
    if (message && !window.confirm(message)) {
      event.preventDefault();
    }
  });

  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.matches("[data-autosubmit]")) {
      el.form.requestSubmit();
    }
    if (el.matches("[data-check-all]")) {
      var boxes = document.querySelectorAll('input[type=checkbox][name="' + el.dataset.checkAll + '"]');
      boxes.forEach(function (box) { box.checked = el.checked; });
    }
  });

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-poster-preview]");
    if (!link) { return; }
    var form = link.closest("form");
    if (!form) { return; }
    var url = new URL(link.href, window.location.href);
    ["title", "subtitle", "color"].forEach(function (name) {
      var input = form.elements["poster." + name];
      if (input) { url.searchParams.set(name, input.value); }
    });
    link.href = url.toString();
  });

  function charts(root) {
    if (!window.echarts) { return; }
    root.querySelectorAll("[data-chart]").forEach(function (el) {
      if (el.dataset.drawn) { return; }
      var source = el.querySelector("script[type='application/json']");
      var option = JSON.parse(source.textContent);
      var chart = window.echarts.init(el, null, { renderer: "svg" });
      chart.setOption(option);
      el.dataset.drawn = "1";
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { charts(document); });
  document.addEventListener("htmx:afterSwap", function (event) { charts(event.target); });
})();
