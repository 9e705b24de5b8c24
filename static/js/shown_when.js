// Fields that apply only to some choices: an element with data-shown-when="name=value value2" is
// shown only while the form's control `name` (radio buttons, a select or a checkbox) has one of the
// values, and hidden (with its inputs disabled, so they are not sent) otherwise. Without the
// script every field shows and the server still checks what applies.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const dependents = Array.from(document.querySelectorAll("[data-shown-when]"));

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
  }

  const names = new Set(dependents.map((element) => element.dataset.shownWhen.split("=")[0]));
  document.querySelectorAll("form").forEach((form) => {
    form.addEventListener("change", (event) => {
      if (names.has(event.target.name)) {
        update();
      }
    });
  });
  update();
});
