// The report's print button (inline handlers are not allowed by the console's Content-Security-Policy).
document.querySelectorAll("[data-print]").forEach((b) => b.addEventListener("click", () => window.print()));
