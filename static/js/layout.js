// On a narrow screen the main navigation folds behind the Menu button (without script it stays
// open, wrapped). A table or chart wider than its box scrolls inside it, reachable from the keyboard.
document.addEventListener("DOMContentLoaded", () => {
  const toggle = document.querySelector(".menu-toggle");
  const nav = document.getElementById("main-nav");
  if (toggle && nav) {
    toggle.hidden = false;
    nav.classList.add("foldable");
    toggle.addEventListener("click", () => {
      const open = toggle.getAttribute("aria-expanded") !== "true";
      toggle.setAttribute("aria-expanded", String(open));
      nav.classList.toggle("open", open);
    });
  }
  const markScrolling = () => {
    for (const box of document.querySelectorAll(".table-scroll, .chart")) {
      const scrolls = box.scrollWidth > box.clientWidth;
      box.toggleAttribute("tabindex", scrolls);
      if (scrolls) {
        box.tabIndex = 0;
        box.setAttribute("role", "region");
        const caption = box.querySelector("caption, svg title");
        const heading = caption ? caption.textContent.trim() : box.matches(".chart") ? "Chart" : "Table";
        box.setAttribute("aria-label", `${heading} (scrolls sideways)`);
      } else {
        box.removeAttribute("role");
        box.removeAttribute("aria-label");
      }
    }
  };
  markScrolling();
  window.addEventListener("resize", markScrolling);
});
