// @ts-check
// The interactive 3-D view of an Object3D cell (opened on click): three.js, loaded as an asset the first time a
// view opens, draws a point cloud (colours from its categories or RGB, else by height, as the kernel's thumbnail)
// with its 3-D boxes, or a mesh (obj, stl, gltf, glb) lit from the camera. Orbit controls: drag to turn, wheel to
// zoom; the scene is redrawn only when the camera moves.

/**
 * What the view uses of the asset module (js/assets/three.js); three.js ships no types.
 * @typedef {{THREE: any, OrbitControls: any, GLTFLoader: any, OBJLoader: any, STLLoader: any}} ThreeAsset
 */

/** W&B's point categories 1..14: the same colours as media/previews.py */
const CATEGORY = [
  [230, 25, 75], [60, 180, 75], [255, 225, 25], [0, 130, 200], [245, 130, 48], [145, 30, 180], [70, 240, 240],
  [240, 50, 230], [210, 245, 60], [250, 190, 212], [0, 128, 128], [220, 190, 255], [170, 110, 40], [128, 0, 0],
];
// a box's 8 corners are product((-1, 1), repeat=3): an edge joins corners that differ in one coordinate
/** @type {[number, number][]} */
const EDGES = [];
for (let i = 0; i < 8; i++) for (let j = i + 1; j < 8; j++) if ([1, 2, 4].includes(i ^ j)) EDGES.push([i, j]);

/**
 * Points (N x 3|4|6) and boxes of a `.pts.json` document (a list of points, or W&B's lidar/beta object).
 * @param {any} doc
 * @returns {{points: number[][], boxes: {corners: number[][], color: number[], label?: string | null}[]}}
 */
export function parsePoints(doc) {
  if (Array.isArray(doc)) return { points: doc, boxes: [] };
  if (doc && typeof doc === "object") {
    return { points: Array.isArray(doc.points) ? doc.points : [], boxes: Array.isArray(doc.boxes) ? doc.boxes : [] };
  }
  throw new Error("a .pts.json file holds a list of points or a lidar/beta object");
}

/**
 * RGB colours (0..1) of the points: category, RGB (0..1 or 0..255) or height (blue low, yellow high).
 * @param {number[][]} points
 * @returns {Float32Array}
 */
export function pointColors(points) {
  const out = new Float32Array(points.length * 3);
  const width = points.length ? points[0].length : 3;
  let zmin = Infinity;
  let zmax = -Infinity;
  for (const p of points) {
    zmin = Math.min(zmin, p[2]);
    zmax = Math.max(zmax, p[2]);
  }
  const rgbMax = width === 6 ? Math.max(...points.map((p) => Math.max(p[3], p[4], p[5])), 0) : 0;
  points.forEach((p, i) => {
    let c;
    if (width === 6) c = rgbMax <= 1 ? [p[3] * 255, p[4] * 255, p[5] * 255] : [p[3], p[4], p[5]];
    else if (width === 4) c = CATEGORY[(((Math.round(p[3]) - 1) % 14) + 14) % 14];
    else {
      const t = zmax > zmin ? (p[2] - zmin) / (zmax - zmin) : 0;
      c = [40 + 215 * t, 90 + 130 * t, 220 - 180 * t];
    }
    out[3 * i] = c[0] / 255;
    out[3 * i + 1] = c[1] / 255;
    out[3 * i + 2] = c[2] / 255;
  });
  return out;
}

/**
 * Mount the 3-D view of a file into `host`; resolves with its cleanup.
 * @param {HTMLElement} host
 * @param {ThreeAsset} asset
 * @param {{blob: Blob, format: string}} file
 * @param {{width: number, height: number, background?: string}} size
 * @returns {Promise<() => void>}
 */
export async function mountThreeView(host, asset, file, { width, height, background = "#000000" }) {
  const { THREE, OrbitControls } = asset;
  const renderer = new THREE.WebGLRenderer({ antialias: true, preserveDrawingBuffer: true, alpha: true });
  renderer.setPixelRatio(Math.min(globalThis.devicePixelRatio || 1, 2));
  renderer.setSize(width, height);
  const canvas = renderer.domElement;
  canvas.dataset.role = "o3d-canvas";
  host.append(canvas);
  const scene = new THREE.Scene();
  scene.background = new THREE.Color(background);
  const group = new THREE.Group();
  group.rotation.x = -Math.PI / 2; // z up (lidar, W&B's viewer) -> three's y up
  scene.add(group);
  /** @type {{dispose(): void}[]} */
  const disposables = [];

  if (file.format === "pts.json") {
    const { points, boxes } = parsePoints(JSON.parse(await file.blob.text()));
    const pos = new Float32Array(points.length * 3);
    points.forEach((p, i) => pos.set([p[0], p[1], p[2]], 3 * i));
    const geom = new THREE.BufferGeometry();
    geom.setAttribute("position", new THREE.BufferAttribute(pos, 3));
    geom.setAttribute("color", new THREE.BufferAttribute(pointColors(points), 3));
    geom.computeBoundingSphere();
    const radius = geom.boundingSphere ? geom.boundingSphere.radius : 1;
    const mat = new THREE.PointsMaterial({ size: Math.max(radius / 80, 1e-3), vertexColors: true, sizeAttenuation: true });
    group.add(new THREE.Points(geom, mat));
    disposables.push(geom, mat);
    for (const b of boxes) {
      const c = b.corners || [];
      const lines = new Float32Array(EDGES.length * 6);
      EDGES.forEach(([i, j], k) => lines.set([...c[i], ...c[j]], 6 * k));
      const lg = new THREE.BufferGeometry();
      lg.setAttribute("position", new THREE.BufferAttribute(lines, 3));
      const rgb = (b.color || [1, 0, 0]).map((v) => (Math.max(...(b.color || [1])) > 1 ? v / 255 : v));
      const lm = new THREE.LineBasicMaterial({ color: new THREE.Color(rgb[0], rgb[1], rgb[2]) });
      group.add(new THREE.LineSegments(lg, lm));
      disposables.push(lg, lm);
    }
  } else {
    const mesh = await loadMesh(asset, file);
    group.add(mesh);
    scene.add(new THREE.AmbientLight(0xffffff, 0.6));
  }

  const bbox = new THREE.Box3().setFromObject(group);
  const center = bbox.getCenter(new THREE.Vector3());
  const span = Math.max(bbox.getSize(new THREE.Vector3()).length(), 1e-6);
  const camera = new THREE.PerspectiveCamera(45, width / height, span / 1000, span * 100);
  camera.position.copy(center).add(new THREE.Vector3(span * 0.6, span * 0.45, span * 0.8));
  camera.lookAt(center);
  const light = new THREE.DirectionalLight(0xffffff, 1.2);
  camera.add(light);
  scene.add(camera);
  const controls = new OrbitControls(camera, canvas);
  controls.target.copy(center);
  controls.update();
  const draw = () => renderer.render(scene, camera);
  controls.addEventListener("change", draw);
  draw();
  return () => {
    controls.removeEventListener("change", draw);
    controls.dispose();
    for (const d of disposables) d.dispose();
    renderer.dispose();
    canvas.remove();
  };
}

/**
 * @param {ThreeAsset} asset
 * @param {{blob: Blob, format: string}} file
 * @returns {Promise<any>} a three.js object
 */
async function loadMesh(asset, file) {
  const { THREE, GLTFLoader, OBJLoader, STLLoader } = asset;
  const material = () => new THREE.MeshStandardMaterial({ color: 0xb8bcd8, metalness: 0.1, roughness: 0.7 });
  if (file.format === "obj") {
    const obj = new OBJLoader().parse(await file.blob.text());
    obj.traverse((/** @type {any} */ o) => {
      if (o.isMesh) o.material = material();
    });
    return obj;
  }
  if (file.format === "stl") {
    const geom = new STLLoader().parse(await file.blob.arrayBuffer());
    geom.computeVertexNormals();
    return new THREE.Mesh(geom, material());
  }
  if (file.format === "glb" || file.format === "gltf") {
    const data = file.format === "glb" ? await file.blob.arrayBuffer() : await file.blob.text();
    const gltf = await new Promise((resolve, reject) => new GLTFLoader().parse(data, "", resolve, reject));
    return /** @type {any} */ (gltf).scene;
  }
  throw new Error(`${file.format} files are not drawn in 3-D here (pts.json, obj, stl, gltf and glb are)`);
}
