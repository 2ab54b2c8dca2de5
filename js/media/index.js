// PLACEHOLDER media module, written by the Explorer front end so the build works before the media
// engineer's module lands (issue 5). It will be replaced wholesale; keep the exported interface:
//   renderImageCell(container, image, ctx, opts) -> cleanup
//   renderImageGrid(container, images, ctx, opts) -> cleanup
//   renderMediaControls(container, schemaColumns, ctx) -> cleanup
//   onOverlayChange(ctx)
// It shows a plain thumbnail, without overlays.

function drawThumb(holder, thumb, image) {
  holder.replaceChildren();
  if (typeof thumb === "string") {
    const img = document.createElement("img");
    img.src = thumb;
    img.alt = image.caption || "";
    holder.append(img);
  } else if (thumb && typeof thumb === "object" && "width" in thumb) {
    const canvas = document.createElement("canvas");
    canvas.width = thumb.width;
    canvas.height = thumb.height;
    canvas.getContext("2d")?.drawImage(thumb, 0, 0);
    holder.append(canvas);
  }
}

export function renderImageCell(container, image, ctx, opts = {}) {
  let alive = true;
  const holder = document.createElement("div");
  holder.className = "tl-thumb";
  const size = opts.size || 96;
  holder.style.maxWidth = `${size}px`;
  holder.style.maxHeight = `${size}px`;
  container.append(holder);
  if (!image || image.error || !image.key) {
    holder.textContent = image && image.error ? `image unavailable: ${image.error}` : "no image";
    return () => holder.remove();
  }
  if (image.caption) holder.title = image.caption;
  const px = Math.round(size * (globalThis.devicePixelRatio || 1));
  ctx.requestThumbs([{ key: image.key, size: px }]).then(
    (map) => {
      if (alive) drawThumb(holder, map.get(image.key), image);
    },
    () => {},
  );
  return () => {
    alive = false;
    holder.remove();
  };
}

export function renderImageGrid(container, images, ctx, opts = {}) {
  const grid = document.createElement("div");
  grid.className = "tl-thumb-grid";
  container.append(grid);
  const cleanups = (images || []).map((im) => renderImageCell(grid, im, ctx, { ...opts, size: opts.size || 48 }));
  return () => {
    cleanups.forEach((c) => c());
    grid.remove();
  };
}

export function renderMediaControls(_container, _schemaColumns, _ctx) {
  return () => {};
}

export function onOverlayChange(_ctx) {}
