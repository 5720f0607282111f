// The map on /shops/: Leaflet with the tile server named in the page (data-tile-url), one
// marker per shop that has a position (json_script "shop-map-points"), each linking to the
// shop in the list below. The list carries everything; the map can be hidden.
document.addEventListener("DOMContentLoaded", () => {
  const element = document.getElementById("shop-map");
  const data = document.getElementById("shop-map-points");
  if (!element || !data || typeof L === "undefined") return;
  const points = JSON.parse(data.textContent);
  if (!points.length) return;

  const map = L.map(element, { scrollWheelZoom: false, zoomControl: false });
  L.control
    .zoom({ zoomInTitle: element.dataset.zoomIn, zoomOutTitle: element.dataset.zoomOut })
    .addTo(map);
  L.tileLayer(element.dataset.tileUrl, {
    maxZoom: 18,
    attribution: element.dataset.attribution,
  }).addTo(map);
  const markers = points.map((point) => {
    const link = document.createElement("a");
    link.href = "#" + point.anchor;
    link.textContent = point.name;
    return L.marker([point.lat, point.lng], { title: point.name, alt: point.name })
      .bindPopup(link)
      .addTo(map);
  });
  map.fitBounds(L.featureGroup(markers).getBounds().pad(0.2), { maxZoom: 15 });

  const toggle = document.getElementById("shop-map-toggle");
  if (toggle) {
    toggle.hidden = false;
    toggle.addEventListener("click", () => {
      const shown = !element.hidden;
      element.hidden = shown;
      toggle.setAttribute("aria-expanded", String(!shown));
      toggle.textContent = shown ? element.dataset.showLabel : element.dataset.hideLabel;
      if (!shown) map.invalidateSize();
    });
  }
});
