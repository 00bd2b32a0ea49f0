// The camera effects on the GPU: one WebGL2 draw per frame of a fragment
// shader that smooths skin (an edge-preserving bilateral blur, weighted by
// how skin-coloured a pixel is), puts a blurred copy of the frame or a
// picture behind the person (where the segmentation mask says the person is
// not), adjusts brightness and contrast, grades through the look's 3D lookup
// table and lays the sticker over the result. One pass, so a frame is read
// once and written once whatever is on.
import type { EffectChoice, LookId, StickerId } from '../../../../signaling/protocol/index.ts';
import { LOOK_TABLE_SIZE, lookTable } from './lookTables.ts';
import { FrameUpload, SOURCE_GLSL } from './frameUpload.ts';
import { drawSticker } from './stickers.ts';

const VERTEX_SHADER = `#version 300 es
out vec2 uv;
void main() {
  // One triangle covering the canvas. Textures hold their top row first and
  // the canvas's bottom is y = 0, so uv's y runs downwards.
  vec2 corner = vec2(float((gl_VertexID << 1) & 2), float(gl_VertexID & 2));
  uv = vec2(corner.x, 1.0 - corner.y);
  gl_Position = vec4(corner * 2.0 - 1.0, 0.0, 1.0);
}`;

const FRAGMENT_SHADER = `#version 300 es
precision highp float;
precision mediump sampler3D;
${SOURCE_GLSL}
uniform sampler3D look;
uniform sampler2D sticker;
uniform vec2 texel;
uniform float smoothing;
uniform float brightness;
uniform float contrast;
uniform bool lookOn;
uniform bool stickerOn;
// 0: the camera's own background; 1: blurred; 2: the picture.
uniform int backgroundMode;
uniform sampler2D mask;
uniform sampler2D backdrop;
uniform vec2 backdropTexel;
// The picture's cover fit: uv scale (xy) and offset (zw).
uniform vec4 pictureFit;
in vec2 uv;
out vec4 colour;

// How skin-like a colour is: inside the usual Cb/Cr range of skin, not too dark.
float skin(vec3 c) {
  float y = dot(c, vec3(0.299, 0.587, 0.114));
  float cb = 0.5 - 0.168736 * c.r - 0.331264 * c.g + 0.5 * c.b;
  float cr = 0.5 + 0.5 * c.r - 0.418688 * c.g - 0.081312 * c.b;
  float inCb = smoothstep(0.26, 0.31, cb) * (1.0 - smoothstep(0.50, 0.55, cb));
  float inCr = smoothstep(0.49, 0.54, cr) * (1.0 - smoothstep(0.68, 0.73, cr));
  return inCb * inCr * smoothstep(0.12, 0.25, y);
}

// Bilateral: neighbours on two rings, each weighted by how close its colour is,
// so pores and blemishes blur and edges (eyes, hair, outline) stay.
vec3 smoothed(vec3 centre) {
  vec3 sum = centre;
  float total = 1.0;
  for (int i = 0; i < 8; i++) {
    float angle = float(i) * 0.7853982 + 0.39;
    vec2 direction = vec2(cos(angle), sin(angle)) * texel;
    for (int ring = 1; ring <= 2; ring++) {
      vec3 neighbour = source(uv + direction * float(ring) * 2.5);
      vec3 difference = neighbour - centre;
      float weight = exp(-dot(difference, difference) * 40.0);
      sum += neighbour * weight;
      total += weight;
    }
  }
  return sum / total;
}

// What shows behind the person: the small copy of the frame (bilinear, then
// a ring of taps: a wide blur for nine reads), or the picture.
vec3 behind() {
  if (backgroundMode == 2) return texture(backdrop, uv * pictureFit.xy + pictureFit.zw).rgb;
  vec3 sum = texture(backdrop, uv).rgb;
  for (int i = 0; i < 8; i++) {
    float angle = float(i) * 0.7853982;
    sum += texture(backdrop, uv + vec2(cos(angle), sin(angle)) * backdropTexel * 2.5).rgb;
  }
  return sum / 9.0;
}

void main() {
  vec3 c = source(uv);
  if (smoothing > 0.0) c = mix(c, smoothed(c), smoothing * skin(c));
  if (backgroundMode > 0) c = mix(behind(), c, smoothstep(0.3, 0.7, texture(mask, uv).a));
  c = clamp((c - 0.5) * contrast + 0.5 + brightness, 0.0, 1.0);
  if (lookOn) {
    float size = float(${LOOK_TABLE_SIZE});
    c = texture(look, c * ((size - 1.0) / size) + 0.5 / size).rgb;
  }
  if (stickerOn) {
    vec4 s = texture(sticker, uv);
    c = mix(c, s.rgb, s.a);
  }
  colour = vec4(c, 1.0);
}`;

/** The shader's uniforms this class sets (the frame's are FrameUpload's). */
const UNIFORMS = [
  'look',
  'sticker',
  'texel',
  'smoothing',
  'brightness',
  'contrast',
  'lookOn',
  'stickerOn',
  'backgroundMode',
  'mask',
  'backdrop',
  'backdropTexel',
  'pictureFit',
] as const;
type Uniform = (typeof UNIFORMS)[number];

/** What is behind the person in this frame; each image given is new (uploaded), one left out is kept. */
export interface BackgroundInputs {
  mode: 'blur' | 'image';
  /** The latest segmentation mask (confidence in alpha). */
  mask?: ImageBitmap;
  /** Blur: this frame at the model's size. */
  small?: ImageBitmap;
  /** Image: the picture. */
  picture?: ImageBitmap;
}

export class EffectRenderer {
  readonly canvas: OffscreenCanvas;
  readonly #gl: WebGL2RenderingContext;
  readonly #uniforms: Record<Uniform, WebGLUniformLocation | null>;
  readonly #frame: FrameUpload;
  readonly #lookTexture: WebGLTexture;
  readonly #stickerTexture: WebGLTexture;
  readonly #maskTexture: WebGLTexture;
  readonly #backdropTexture: WebGLTexture;
  #hasMask = false;
  /** What the backdrop texture holds now, and its size. */
  #backdrop: { mode: 'blur' | 'image'; width: number; height: number } | undefined;
  #look: LookId | null = null;
  #sticker: { id: StickerId; width: number; height: number } | undefined;

  constructor() {
    this.canvas = new OffscreenCanvas(2, 2);
    const gl = this.canvas.getContext('webgl2', { alpha: false, antialias: false, preserveDrawingBuffer: true });
    if (!gl) throw new Error('this browser cannot run camera effects (no WebGL 2)');
    this.#gl = gl;
    const program = linkProgram(gl, VERTEX_SHADER, FRAGMENT_SHADER);
    gl.useProgram(program);
    this.#uniforms = Object.fromEntries(UNIFORMS.map((name) => [name, gl.getUniformLocation(program, name)])) as Record<
      Uniform,
      WebGLUniformLocation | null
    >;
    this.#frame = new FrameUpload(gl, program, (unit) => makeTexture(gl, gl.TEXTURE_2D, unit));
    this.#lookTexture = makeTexture(gl, gl.TEXTURE_3D, 1);
    this.#stickerTexture = makeTexture(gl, gl.TEXTURE_2D, 2);
    this.#maskTexture = makeTexture(gl, gl.TEXTURE_2D, 5);
    this.#backdropTexture = makeTexture(gl, gl.TEXTURE_2D, 6);
    gl.uniform1i(this.#uniforms.look, 1);
    gl.uniform1i(this.#uniforms.sticker, 2);
    gl.uniform1i(this.#uniforms.mask, 5);
    gl.uniform1i(this.#uniforms.backdrop, 6);
  }

  /** Draws `frame` with the effects at width × height; the result is on `canvas`. */
  async render(
    frame: VideoFrame,
    choice: EffectChoice,
    width: number,
    height: number,
    background?: BackgroundInputs,
  ): Promise<void> {
    await this.#frame.upload(frame);
    this.#useBackground(background, width / height);
    const gl = this.#gl;
    if (this.canvas.width !== width || this.canvas.height !== height) {
      this.canvas.width = width;
      this.canvas.height = height;
    }
    gl.viewport(0, 0, width, height);
    this.#useLook(choice.look);
    this.#useSticker(choice.sticker, width, height);
    gl.uniform2f(this.#uniforms.texel, 1 / width, 1 / height);
    gl.uniform1f(this.#uniforms.smoothing, choice.smoothing / 100);
    gl.uniform1f(this.#uniforms.brightness, choice.brightness / 200);
    // -50…50 → ×0.5…×1.5 around mid grey.
    gl.uniform1f(this.#uniforms.contrast, 1 + choice.contrast / 100);
    gl.drawArrays(gl.TRIANGLES, 0, 3);
  }

  #useBackground(background: BackgroundInputs | undefined, aspect: number): void {
    const gl = this.#gl;
    if (background?.mask) {
      this.#upload(5, this.#maskTexture, background.mask);
      this.#hasMask = true;
    }
    const backdrop = background?.mode === 'blur' ? background.small : background?.picture;
    if (background && backdrop) {
      this.#upload(6, this.#backdropTexture, backdrop);
      this.#backdrop = { mode: background.mode, width: backdrop.width, height: backdrop.height };
    }
    const shown = this.#backdrop;
    // Until the first mask (and the right backdrop) arrive, the camera's own background stays.
    const on = background !== undefined && this.#hasMask && shown?.mode === background.mode;
    gl.uniform1i(this.#uniforms.backgroundMode, !on ? 0 : background.mode === 'blur' ? 1 : 2);
    if (!on || !shown) return;
    gl.uniform2f(this.#uniforms.backdropTexel, 1 / shown.width, 1 / shown.height);
    // Cover: the picture fills the frame, cropped evenly on the long side.
    const pictureAspect = shown.width / shown.height;
    const [scaleX, scaleY] = pictureAspect > aspect ? [aspect / pictureAspect, 1] : [1, pictureAspect / aspect];
    gl.uniform4f(this.#uniforms.pictureFit, scaleX, scaleY, (1 - scaleX) / 2, (1 - scaleY) / 2);
  }

  #upload(unit: number, texture: WebGLTexture, image: ImageBitmap): void {
    const gl = this.#gl;
    gl.activeTexture(gl.TEXTURE0 + unit);
    gl.bindTexture(gl.TEXTURE_2D, texture);
    gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA, gl.RGBA, gl.UNSIGNED_BYTE, image);
  }

  #useLook(look: LookId | null): void {
    const gl = this.#gl;
    gl.uniform1i(this.#uniforms.lookOn, look ? 1 : 0);
    if (!look || look === this.#look) return;
    this.#look = look;
    const size = LOOK_TABLE_SIZE;
    gl.activeTexture(gl.TEXTURE1);
    gl.bindTexture(gl.TEXTURE_3D, this.#lookTexture);
    gl.texImage3D(gl.TEXTURE_3D, 0, gl.RGBA8, size, size, size, 0, gl.RGBA, gl.UNSIGNED_BYTE, lookTable(look));
  }

  #useSticker(sticker: StickerId | null, width: number, height: number): void {
    const gl = this.#gl;
    gl.uniform1i(this.#uniforms.stickerOn, sticker ? 1 : 0);
    const drawn = this.#sticker;
    if (!sticker || (drawn?.id === sticker && drawn.width === width && drawn.height === height)) return;
    this.#sticker = { id: sticker, width, height };
    gl.activeTexture(gl.TEXTURE2);
    gl.bindTexture(gl.TEXTURE_2D, this.#stickerTexture);
    gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA, gl.RGBA, gl.UNSIGNED_BYTE, drawSticker(sticker, width, height));
  }

  dispose(): void {
    this.#gl.getExtension('WEBGL_lose_context')?.loseContext();
  }
}

function makeTexture(gl: WebGL2RenderingContext, target: number, unit: number): WebGLTexture {
  const texture = gl.createTexture();
  gl.activeTexture(gl.TEXTURE0 + unit);
  gl.bindTexture(target, texture);
  gl.texParameteri(target, gl.TEXTURE_MIN_FILTER, gl.LINEAR);
  gl.texParameteri(target, gl.TEXTURE_MAG_FILTER, gl.LINEAR);
  gl.texParameteri(target, gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE);
  gl.texParameteri(target, gl.TEXTURE_WRAP_T, gl.CLAMP_TO_EDGE);
  if (target === gl.TEXTURE_3D) gl.texParameteri(target, gl.TEXTURE_WRAP_R, gl.CLAMP_TO_EDGE);
  return texture;
}

function linkProgram(gl: WebGL2RenderingContext, vertexSource: string, fragmentSource: string): WebGLProgram {
  const program = gl.createProgram();
  for (const [type, source] of [
    [gl.VERTEX_SHADER, vertexSource],
    [gl.FRAGMENT_SHADER, fragmentSource],
  ] as const) {
    const shader = gl.createShader(type);
    if (!shader) throw new Error('cannot create a shader');
    gl.shaderSource(shader, source);
    gl.compileShader(shader);
    if (!gl.getShaderParameter(shader, gl.COMPILE_STATUS)) {
      throw new Error(`effect shader: ${gl.getShaderInfoLog(shader) ?? 'does not compile'}`);
    }
    gl.attachShader(program, shader);
  }
  gl.linkProgram(program);
  if (!gl.getProgramParameter(program, gl.LINK_STATUS)) {
    throw new Error(`effect shader: ${gl.getProgramInfoLog(program) ?? 'does not link'}`);
  }
  return program;
}
