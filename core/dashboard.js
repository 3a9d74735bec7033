// The dashboard's own script (core/dashboard.py inlines it after BokehJS): places the charts, wires the
// page's controls (plain HTML, usable with the keyboard) to the map, and draws the sortable profile table
// and the paged customer table. It reads only the data embedded in the page: nothing is fetched.
(async function () {
  "use strict";
  const byId = (id) => document.getElementById(id);
  const numberText = (value) => (value === null || value === undefined ? "" : String(value));
  const status = byId("chart-status");
  const NARROW_PX = 640;

  // The data is JSON, compressed with gzip and written as base64 text (core/dashboard.py).
  async function unpack(text) {
    const bytes = Uint8Array.from(atob(text.trim()), (character) => character.charCodeAt(0));
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return JSON.parse(await new Response(stream).text());
  }
  let data;
  try {
    data = await unpack(byId("dashboard-data").textContent);
  } catch (error) {
    document.body.dataset.charts = "failed";
    status.textContent = "This browser cannot open the dashboard (" + error + "). Use a current version " +
      "of Chrome, Edge, Firefox or Safari.";
    return;
  }

  // --- charts -------------------------------------------------------------------------------------
  const embedded = Object.entries(data.charts).map(([target, item]) => Bokeh.embed.embed_item(item, target));
  Promise.all(embedded)
    .then(() => {
      wireMap();
      document.body.dataset.charts = "ready";
      status.textContent = "";
      status.hidden = true;
    })
    .catch((error) => {
      document.body.dataset.charts = "failed";
      status.textContent = "The charts could not be drawn in this browser (" + error + "). The tables work.";
    });

  function model(name) {
    for (const doc of Bokeh.documents) {
      const found = doc.get_model_by_name(name);
      if (found) return found;
    }
    return null;
  }

  function wireMap() {
    const facts = data.scatter;
    const xRange = model("scatter-x");
    const yRange = model("scatter-y");
    const xAxis = model("scatter-x-axis");
    const yAxis = model("scatter-y-axis");
    const legend = model("scatter-legend");
    const renderers = data.segments.map((segment) => model("segment-" + segment.number));
    const view = byId("map-view");
    const across = byId("map-x");
    const up = byId("map-y");
    if (across && up && across.options.length > 1) up.selectedIndex = 1;

    function setRange(range, [start, end]) {
      range.setv({ start: start, end: end, reset_start: start, reset_end: end });
    }
    function show() {
      const columns = view.value === "columns";
      const xKey = columns ? across.value : "pc1";
      const yKey = columns ? up.value : "pc2";
      for (const renderer of renderers) {
        const source = renderer.data_source;
        source.data = Object.assign({}, source.data, { x: source.data[xKey], y: source.data[yKey] });
      }
      // A phone's narrow map has no room for long axis titles: the caption under it has them always.
      const narrow = byId("scatter").clientWidth < NARROW_PX;
      xAxis.axis_label = narrow ? "" : facts.views[xKey];
      yAxis.axis_label = narrow ? "" : facts.views[yKey];
      legend.visible = !narrow;  // the check boxes above the map do the same
      byId("map-axes").textContent = "Across: " + facts.views[xKey] + ". Up: " + facts.views[yKey] + ".";
      setRange(xRange, facts.ranges[xKey]);
      setRange(yRange, facts.ranges[yKey]);
      if (across) across.disabled = up.disabled = !columns;
    }
    view.addEventListener("change", show);
    if (across) {
      across.addEventListener("change", show);
      up.addEventListener("change", show);
    }
    show();
    window.matchMedia("(max-width: " + NARROW_PX + "px)").addEventListener("change", show);

    function zoom(factor) {
      for (const range of [xRange, yRange]) {
        const middle = (range.start + range.end) / 2;
        const half = ((range.end - range.start) / 2) * factor;
        range.setv({ start: middle - half, end: middle + half });
      }
    }
    byId("zoom-in").addEventListener("click", () => zoom(0.5));
    byId("zoom-out").addEventListener("click", () => zoom(2));
    byId("zoom-reset").addEventListener("click", () => {
      for (const range of [xRange, yRange]) range.setv({ start: range.reset_start, end: range.reset_end });
    });

    // The check boxes and the chart's legend both hide a segment; each follows the other.
    for (const box of document.querySelectorAll(".toggles input")) {
      const renderer = model("segment-" + box.dataset.segment);
      box.addEventListener("change", () => { renderer.visible = box.checked; });
      renderer.connect(renderer.properties.visible.change, () => { box.checked = renderer.visible; });
    }
  }

  // On paper every "in words" and "numbers behind the chart" part is open; on screen as the reader left it.
  let closedForScreen = [];
  window.addEventListener("beforeprint", () => {
    closedForScreen = Array.from(document.querySelectorAll("details:not([open])"));
    for (const details of closedForScreen) details.open = true;
  });
  window.addEventListener("afterprint", () => {
    for (const details of closedForScreen) details.open = false;
  });

  // --- the profile table: sort by any column ------------------------------------------------------
  const profileTable = byId("profile-table");
  for (const button of profileTable.querySelectorAll("th button")) {
    button.addEventListener("click", () => {
      const header = button.parentElement;
      const column = Number(button.dataset.column);
      const ascending = header.getAttribute("aria-sort") !== "ascending";
      for (const other of profileTable.querySelectorAll("th")) other.setAttribute("aria-sort", "none");
      header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      const body = profileTable.tBodies[0];
      const rows = Array.from(body.rows);
      const key = (row) => row.cells[column].dataset.value;
      const numeric = rows.every((row) => key(row) === "" || !Number.isNaN(Number(key(row))));
      rows.sort((a, b) => {
        const [x, y] = [key(a), key(b)];
        if (x === "" || y === "") return (x === "") - (y === "");  // empty cells last either way
        const order = numeric ? Number(x) - Number(y) : x.localeCompare(y);
        return ascending ? order : -order;
      });
      for (const row of rows) body.appendChild(row);
    });
  }

  // --- the customer table: filter by segment, search, pages ---------------------------------------
  const customers = data.customers;
  const count = customers.segment.length;
  const table = byId("customer-table");
  const segmentChoice = byId("customer-segment");
  const search = byId("customer-search");
  const previous = byId("page-previous");
  const next = byId("page-next");
  const customerStatus = byId("customer-status");
  let matching = [];
  let page = 0;
  let rowTexts = null;  // made at the first search: lower-case text of each row

  const head = document.createElement("tr");
  for (const name of ["Segment", ...customers.names]) {
    const cell = document.createElement("th");
    cell.scope = "col";
    cell.textContent = name;
    head.appendChild(cell);
  }
  table.tHead.appendChild(head);

  function segmentText(index) {
    if (index < 0) return data.leftOut;
    const segment = data.segments[index];
    return segment.number + ". " + segment.name;
  }
  function rowText(row) {
    const parts = [segmentText(customers.segment[row])];
    for (const column of customers.columns) parts.push(numberText(column[row]));
    return parts.join("\u0000").toLowerCase();
  }
  function filter() {
    const chosen = segmentChoice.value;
    const wanted = chosen === "all" ? null : Number(chosen);
    const query = search.value.trim().toLowerCase();
    if (query && rowTexts === null) rowTexts = Array.from({ length: count }, (_, row) => rowText(row));
    matching = [];
    for (let row = 0; row < count; row++) {
      if (wanted !== null && customers.segment[row] !== wanted) continue;
      if (query && !rowTexts[row].includes(query)) continue;
      matching.push(row);
    }
    page = 0;
    render();
  }
  function render() {
    const pages = Math.max(1, Math.ceil(matching.length / data.perPage));
    page = Math.min(page, pages - 1);
    const first = page * data.perPage;
    const shown = matching.slice(first, first + data.perPage);
    const body = document.createElement("tbody");
    for (const row of shown) {
      const line = document.createElement("tr");
      const segmentCell = document.createElement("td");
      segmentCell.className = "segment-cell";
      const index = customers.segment[row];
      const swatch = document.createElement("span");
      swatch.className = "swatch";
      swatch.setAttribute("aria-hidden", "true");
      swatch.style.setProperty("--segment", index < 0 ? "#9e9e9e" : data.segments[index].colour);
      segmentCell.append(swatch, segmentText(index));
      line.appendChild(segmentCell);
      customers.columns.forEach((column, position) => {
        const cell = document.createElement("td");
        cell.textContent = numberText(column[row]);
        if (!customers.numeric[position]) cell.style.textAlign = "left";
        line.appendChild(cell);
      });
      body.appendChild(line);
    }
    table.replaceChild(body, table.tBodies[0]);
    customerStatus.textContent = matching.length
      ? "Customers " + (first + 1).toLocaleString("en") + "–" + (first + shown.length).toLocaleString("en") +
        " of " + matching.length.toLocaleString("en") + " · page " + (page + 1).toLocaleString("en") +
        " of " + pages.toLocaleString("en")
      : "No customer matches.";
    previous.disabled = page === 0;
    next.disabled = page >= pages - 1;
  }
  segmentChoice.addEventListener("change", filter);
  search.addEventListener("input", filter);
  previous.addEventListener("click", () => { page -= 1; render(); });
  next.addEventListener("click", () => { page += 1; render(); });
  filter();
})();
