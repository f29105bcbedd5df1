// The studio page (placeholder until the page lands).
document.getElementById("status").textContent = "the studio page is not built yet";
