// The sanitization form: offer only the method types, methods and destinations that NIST SP 800-88
// (records/sanitization.py, given in the form's data-sanitization-table) allows for every ticked
// medium. A convenience only: the server refuses any other combination all the same.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("sanitization-form");
  if (!form || !form.dataset.sanitizationTable) {
    return;
  }
  const table = JSON.parse(form.dataset.sanitizationTable);
  const key = (combination) => combination.join(" ");

  function allowedCombinations() {
    const ticked = Array.from(form.querySelectorAll('input[name="records"]:checked'))
      .map((box) => table.media[box.value])
      .filter(Boolean);
    const media = ticked.length ? Array.from(new Set(ticked)) : Object.keys(table.allowed);
    const sets = media.map((medium) => new Set(table.allowed[medium].map(key)));
    const combined = ticked.length
      ? sets.reduce((all, set) => new Set(Array.from(all).filter((item) => set.has(item))))
      : sets.reduce((all, set) => new Set([...all, ...set]));
    return Array.from(combined).map((item) => item.split(" "));
  }

  function offer(options, allowed, isChosen, choose) {
    let chosenRefused = false;
    options.forEach((option) => {
      option.disabled = !allowed.has(option.value);
      chosenRefused = chosenRefused || (option.disabled && isChosen(option));
    });
    if (chosenRefused) {
      choose(options.find((option) => !option.disabled));
    }
  }

  function narrow() {
    const combinations = allowedCombinations();
    const radios = Array.from(form.querySelectorAll('input[name="method_type"]'));
    offer(radios, new Set(combinations.map((c) => c[0])), (radio) => radio.checked, () => {
      radios.forEach((radio) => { radio.checked = false; });
    });
    const checked = radios.find((radio) => radio.checked);
    const type = checked ? checked.value : null;
    const ofType = combinations.filter((c) => !type || c[0] === type);
    const method = form.elements.method;
    const choose = (select) => (option) => { select.value = option ? option.value : ""; };
    offer(Array.from(method.options), new Set(ofType.map((c) => c[1])), (option) => option.selected, choose(method));
    const destination = form.elements.destination;
    const ofMethod = ofType.filter((c) => c[1] === method.value);
    offer(Array.from(destination.options), new Set(ofMethod.map((c) => c[2])), (option) => option.selected,
      choose(destination));
  }

  form.addEventListener("change", narrow);
  narrow();
});
