// Fields that depend on another field of their form. Without the script every field and option
// shows, and the server still checks what applies.
// - An element with data-shown-when="name=value value2" is shown only while the form's control
//   `name` (radio buttons, a select or a checkbox) has one of the values, and hidden otherwise,
//   with its inputs disabled so that they are not sent.
// - A select with data-filtered-by="name" offers only the options whose data-<name> equals the
//   value of the form's control `name` (e.g. the custodians of the department chosen); a chosen
//   option that no longer fits is unchosen.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const dependents = Array.from(document.querySelectorAll("[data-shown-when]"));
  const filtered = Array.from(document.querySelectorAll("select[data-filtered-by]"));

  function valueOf(form, name) {
    const controls = Array.from(form.elements).filter((control) => control.name === name);
    const chosen = controls.find((control) => (control.type === "radio" || control.type === "checkbox")
      ? control.checked : true);
    if (!chosen) {
      return "";
    }
    return chosen.type === "checkbox" ? (chosen.checked ? "on" : "") : chosen.value;
  }

  function update() {
    dependents.forEach((element) => {
      const form = element.closest("form");
      const [name, values] = element.dataset.shownWhen.split("=");
      const shown = form !== null && values.split(" ").includes(valueOf(form, name));
      element.hidden = !shown;
      element.querySelectorAll("input, select, textarea").forEach((control) => {
        control.disabled = !shown;
      });
    });
    filtered.forEach((select) => {
      const name = select.dataset.filteredBy;
      const value = select.form ? valueOf(select.form, name) : "";
      Array.from(select.options).forEach((option) => {
        const fits = !option.value || !value || option.dataset[name] === value;
        option.hidden = !fits;
        option.disabled = !fits;
        if (!fits && option.selected) {
          select.value = "";
        }
      });
    });
  }

  const names = new Set([
    ...dependents.map((element) => element.dataset.shownWhen.split("=")[0]),
    ...filtered.map((select) => select.dataset.filteredBy),
  ]);
  document.querySelectorAll("form").forEach((form) => {
    form.addEventListener("change", (event) => {
      if (names.has(event.target.name)) {
        update();
      }
    });
  });
  update();
});
