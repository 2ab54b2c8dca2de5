// @ts-check
// The 3-D asset (static/three.js): three.js with orbit controls and the loaders of the formats Object3D cells
// hold. Not in the entry module: the kernel sends it once per page when a 3-D view is first opened (assets.js).

import * as THREE from "three";
import { OrbitControls } from "three/examples/jsm/controls/OrbitControls.js";
import { GLTFLoader } from "three/examples/jsm/loaders/GLTFLoader.js";
import { OBJLoader } from "three/examples/jsm/loaders/OBJLoader.js";
import { STLLoader } from "three/examples/jsm/loaders/STLLoader.js";

export default { THREE, OrbitControls, GLTFLoader, OBJLoader, STLLoader };
