/* Public forms, progressively enhanced: every form works without this file.
 *
 * 1. The error summary of a form sent back with errors takes the focus, and its links move
 *    the focus to their field (a hidden choice: to its list's filter box).
 * 2. A long list of checkboxes marked `data-filter-list` gets a type-to-filter box: with the
 *    box empty only the checked choices show (plus "Show all"), so a keyboard user is not
 *    walked through 249 countries; typing shows the choices whose name contains the text.
 *    The checkboxes stay real checkboxes in the form: hidden ones are still sent.
 */
(function () {
  "use strict";

  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase().trim();
  }

  function isShown(element) {
    return element.getClientRects().length > 0;
  }

  var counter = 0;

  function enhanceFilterList(fieldset) {
    var container =
      fieldset.querySelector(".choices") || fieldset.querySelector("ul:not(.errorlist)");
    if (!container) return;
    var items = Array.prototype.map.call(
      fieldset.querySelectorAll("input[type=checkbox]"),
      function (input) {
        var item = input.closest("li, label") || input;
        return { input: input, item: item, text: fold(item.textContent) };
      }
    );
    counter += 1;
    var id = "filter-list-" + counter;
    container.id = container.id || id + "-choices";

    var box = document.createElement("div");
    box.className = "filter-box";
    var label = document.createElement("label");
    label.htmlFor = id;
    label.textContent = fieldset.getAttribute("data-filter-label") || "Find";
    var input = document.createElement("input");
    input.type = "search";
    input.id = id;
    input.autocomplete = "off";
    input.setAttribute("aria-controls", container.id);
    input.setAttribute("aria-describedby", id + "-status");
    var status = document.createElement("p");
    status.id = id + "-status";
    status.className = "filter-status";
    status.setAttribute("aria-live", "polite");
    var toggle = document.createElement("button");
    toggle.type = "button";
    toggle.className = "secondary filter-toggle";
    toggle.setAttribute("aria-controls", container.id);
    toggle.setAttribute("aria-expanded", "false");
    box.append(label, input, toggle, status);
    container.parentNode.insertBefore(box, container);
    fieldset.classList.add("filter-enhanced");

    var showAll = false;

    function update() {
      var query = fold(input.value);
      var shown = 0;
      var checked = 0;
      items.forEach(function (entry) {
        if (entry.input.checked) checked += 1;
        var visible = query ? entry.text.indexOf(query) !== -1 : showAll || entry.input.checked;
        entry.item.hidden = !visible;
        if (visible) shown += 1;
      });
      container.hidden = shown === 0;
      toggle.hidden = Boolean(query) || items.length === 0;
      toggle.textContent = showAll ? "Show only the chosen ones" : "Show all " + items.length;
      toggle.setAttribute("aria-expanded", String(showAll));
      var chosen = checked + " chosen";
      if (query) {
        status.textContent = (shown === 1 ? "1 match" : shown + " matches") + ", " + chosen + ".";
      } else {
        status.textContent = chosen + ". Type a name to find more.";
      }
    }

    input.addEventListener("input", update);
    input.addEventListener("keydown", function (event) {
      // Enter in the filter box would send the whole form: go to the first match instead.
      if (event.key !== "Enter") return;
      event.preventDefault();
      var first = items.find(function (entry) { return !entry.item.hidden; });
      if (first) first.input.focus();
    });
    toggle.addEventListener("click", function () {
      showAll = !showAll;
      update();
    });
    fieldset.addEventListener("change", function (event) {
      if (event.target !== input) update();
    });
    update();
  }

  function focusField(target) {
    if (!isShown(target)) {
      var list = target.closest("[data-filter-list]");
      var box = list && list.querySelector(".filter-box input");
      if (box) target = box;
    }
    if (!target.matches("input, select, textarea, button, a[href], [tabindex]")) {
      target = target.querySelector("input:not([type=hidden]), select, textarea") || target;
    }
    target.focus();
    var label = target.closest(".field") || target;
    label.scrollIntoView({ block: "start" });
  }

  function enhanceErrorSummary(summary) {
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#']");
      if (!link) return;
      var target = document.getElementById(decodeURIComponent(link.hash.slice(1)));
      if (!target) return;
      event.preventDefault();
      focusField(target);
    });
    if (document.activeElement !== summary) summary.focus();
  }

  function start() {
    document.querySelectorAll("[data-filter-list]").forEach(enhanceFilterList);
    var summary = document.querySelector(".error-summary");
    if (summary) enhanceErrorSummary(summary);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
