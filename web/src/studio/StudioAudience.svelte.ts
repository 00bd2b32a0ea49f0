// What the hosts see of their audience: how many watch the stream now, and
// whether it is being recorded; the primary host starts and stops the
// recording from here. Pushes reach hosts through their session room, as do
// the recorder's warnings (a camera it cannot read).
import type { RecordingView, StreamStats } from '../../../signaling/protocol/index.ts';
import { callApi } from '../lib/httpApi.ts';
import type { SignalingSocket } from '../lib/signaling.ts';

export class StudioAudience {
  viewers = $state(0);
  peakViewers = $state(0);
  /** The recording in progress, if any. */
  recording = $state.raw<RecordingView | null>(null);
  /** What the audience does not get (a track the recorder cannot read), newest last. */
  warnings = $state.raw<string[]>([]);
  readonly #sessionId: string;
  readonly #token: string;

  constructor(socket: SignalingSocket, sessionId: string, token: string) {
    this.#sessionId = sessionId;
    this.#token = token;
    socket.on('stream:viewers', (count) => {
      if (count.sessionId !== sessionId) return;
      this.viewers = count.viewers;
      this.peakViewers = count.peakViewers;
    });
    socket.on('stream:warning', (warning) => {
      // Each warning once: a recorder that restarts says it again (and the list is keyed by its text).
      if (warning.sessionId !== sessionId || this.warnings.includes(warning.message)) return;
      this.warnings = [...this.warnings, warning.message];
    });
    socket.on('stream:status', (change) => {
      if (change.sessionId !== sessionId) return;
      if (change.status === 'live') this.recording = change.recording;
      else void this.refresh();
    });
  }

  /** Reads the current figures (after joining, or when a push says the stream changed). */
  async refresh(): Promise<void> {
    const stats = await callApi<StreamStats>(`/api/room/${encodeURIComponent(this.#sessionId)}/stream/stats`).catch(
      () => undefined,
    );
    if (!stats) return;
    this.viewers = stats.viewers;
    this.peakViewers = stats.peakViewers;
    this.recording = stats.recording;
  }

  /** Primary host, while live. Throws an ApiError the studio shows. */
  async setRecording(on: boolean): Promise<void> {
    const recording = await callApi<RecordingView>(`/api/room/${encodeURIComponent(this.#sessionId)}/stream/record`, {
      method: 'POST',
      body: { action: on ? 'start' : 'stop' },
      token: this.#token,
    });
    this.recording = on ? recording : null;
  }
}
