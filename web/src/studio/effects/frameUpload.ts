// A camera frame into WebGL textures, the fast way. Handing the VideoFrame
// to texImage2D makes the browser convert it to RGBA first: 45 ms for a
// 1280×720 frame in headless Chromium's software GL on our machines, more
// than a 30 fps frame interval. Copying its planes out (VideoFrame.copyTo,
// 0.3 ms) and uploading them as they are (1 ms) leaves the YUV → RGB
// conversion to the shader, which does it for free on the way. Formats
// without planes we know go the slow way.
import { warn } from '../../lib/warn.ts';

/** How the shader reads the frame (the `inputFormat` uniform). */
const Layout = { Rgba: 0, I420: 1, Nv12: 2, Bgra: 3 } as const;
type Layout = (typeof Layout)[keyof typeof Layout];

/** GLSL: `vec3 source(vec2 at)`, the frame's colour at `at`, whatever its layout. */
export const SOURCE_GLSL = `
uniform sampler2D frame;
uniform sampler2D chromaU;
uniform sampler2D chromaV;
uniform int inputFormat;
uniform mat3 yuvToRgb;
uniform vec3 yuvOffset;
vec3 source(vec2 at) {
  if (inputFormat == ${Layout.Rgba}) return texture(frame, at).rgb;
  if (inputFormat == ${Layout.Bgra}) return texture(frame, at).bgr;
  vec2 chroma = inputFormat == ${Layout.I420}
    ? vec2(texture(chromaU, at).r, texture(chromaV, at).r)
    : texture(chromaU, at).rg;
  return clamp(yuvToRgb * (vec3(texture(frame, at).r, chroma) - yuvOffset), 0.0, 1.0);
}`;

/** Column-major (GLSL's order): Y's column, U's, V's. */
const MATRICES = {
  bt601: {
    limited: [1.164, 1.164, 1.164, 0, -0.392, 2.017, 1.596, -0.813, 0],
    full: [1, 1, 1, 0, -0.344, 1.772, 1.402, -0.714, 0],
  },
  bt709: {
    limited: [1.164, 1.164, 1.164, 0, -0.213, 2.112, 1.793, -0.533, 0],
    full: [1, 1, 1, 0, -0.187, 1.856, 1.575, -0.468, 0],
  },
};

export class FrameUpload {
  readonly #gl: WebGL2RenderingContext;
  readonly #program: WebGLProgram;
  /** Texture units 0 (Y or RGBA), 3 (U or UV), 4 (V). */
  readonly #textures: [WebGLTexture, WebGLTexture, WebGLTexture];
  #buffer = new Uint8Array(0);
  #slowWarned = false;

  constructor(gl: WebGL2RenderingContext, program: WebGLProgram, makeTexture: (unit: number) => WebGLTexture) {
    this.#gl = gl;
    this.#program = program;
    this.#textures = [makeTexture(0), makeTexture(3), makeTexture(4)];
    gl.uniform1i(gl.getUniformLocation(program, 'frame'), 0);
    gl.uniform1i(gl.getUniformLocation(program, 'chromaU'), 3);
    gl.uniform1i(gl.getUniformLocation(program, 'chromaV'), 4);
  }

  /** Puts `frame` in the textures and tells the shader how to read them. */
  async upload(frame: VideoFrame): Promise<void> {
    const gl = this.#gl;
    const format = frame.format;
    const { width, height } = frame.visibleRect ?? { width: frame.codedWidth, height: frame.codedHeight };
    if (
      format === 'I420' ||
      format === 'NV12' ||
      format === 'RGBA' ||
      format === 'RGBX' ||
      format === 'BGRA' ||
      format === 'BGRX'
    ) {
      const size = frame.allocationSize();
      if (this.#buffer.length < size) this.#buffer = new Uint8Array(size);
      const planes = await frame.copyTo(this.#buffer);
      gl.pixelStorei(gl.UNPACK_ALIGNMENT, 1);
      if (format === 'I420') {
        this.#plane(0, planes[0]!, gl.R8, gl.RED, 1, width, height);
        this.#plane(1, planes[1]!, gl.R8, gl.RED, 1, width / 2, height / 2);
        this.#plane(2, planes[2]!, gl.R8, gl.RED, 1, width / 2, height / 2);
        this.#useYuv(frame, Layout.I420);
      } else if (format === 'NV12') {
        this.#plane(0, planes[0]!, gl.R8, gl.RED, 1, width, height);
        this.#plane(1, planes[1]!, gl.RG8, gl.RG, 2, width / 2, height / 2);
        this.#useYuv(frame, Layout.Nv12);
      } else {
        this.#plane(0, planes[0]!, gl.RGBA8, gl.RGBA, 4, width, height);
        this.#use(format.startsWith('BGR') ? Layout.Bgra : Layout.Rgba);
      }
      gl.pixelStorei(gl.UNPACK_ROW_LENGTH, 0);
      return;
    }
    if (!this.#slowWarned) {
      this.#slowWarned = true;
      warn('camera frames in a format without known planes: the effects take the slower way', format);
    }
    gl.activeTexture(gl.TEXTURE0);
    gl.bindTexture(gl.TEXTURE_2D, this.#textures[0]);
    gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA, gl.RGBA, gl.UNSIGNED_BYTE, frame);
    this.#use(Layout.Rgba);
  }

  #plane(
    index: 0 | 1 | 2,
    layout: PlaneLayout,
    internalFormat: number,
    format: number,
    bytesPerPixel: number,
    width: number,
    height: number,
  ): void {
    const gl = this.#gl;
    gl.activeTexture([gl.TEXTURE0, gl.TEXTURE3, gl.TEXTURE4][index]!);
    gl.bindTexture(gl.TEXTURE_2D, this.#textures[index]);
    gl.pixelStorei(gl.UNPACK_ROW_LENGTH, layout.stride / bytesPerPixel);
    const w = Math.ceil(width);
    const h = Math.ceil(height);
    const bytes = this.#buffer.subarray(layout.offset, layout.offset + layout.stride * h);
    gl.texImage2D(gl.TEXTURE_2D, 0, internalFormat, w, h, 0, format, gl.UNSIGNED_BYTE, bytes);
  }

  #useYuv(frame: VideoFrame, layout: Layout): void {
    const gl = this.#gl;
    const space = frame.colorSpace;
    // Cameras that say nothing are BT.601, limited range, as browsers assume.
    const matrix = space?.matrix === 'bt709' ? MATRICES.bt709 : MATRICES.bt601;
    const full = space?.fullRange === true;
    gl.uniformMatrix3fv(gl.getUniformLocation(this.#program, 'yuvToRgb'), false, full ? matrix.full : matrix.limited);
    gl.uniform3f(gl.getUniformLocation(this.#program, 'yuvOffset'), full ? 0 : 16 / 255, 0.5, 0.5);
    this.#use(layout);
  }

  #use(layout: Layout): void {
    this.#gl.uniform1i(this.#gl.getUniformLocation(this.#program, 'inputFormat'), layout);
  }
}
