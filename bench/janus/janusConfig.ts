// The configuration the bench starts Janus with, written into a temporary
// folder: the core (janus.jcfg), the WebSocket transport and the VideoRoom
// plugin. Every choice that touches the comparison is here, with its reason,
// so a Janus expert can check the run was fair (docs/bench-janus.md).

export interface JanusConfigPlan {
  /** The folder the three files are written to (also Janus's configs_folder). */
  configDir: string;
  /** Folders holding only the VideoRoom plugin and the WebSocket transport (links to the system's). */
  pluginsDir: string;
  transportsDir: string;
  /** The namespace side of the veth pair: ICE gathers on it only, the WebSocket listens on it. */
  interfaceName: string;
  address: string;
  wsPort: number;
  /** Janus's event loops (its media threads); the bench pins the process to this many cores. */
  eventLoops: number;
}

/** janus.jcfg */
export function coreConfig(plan: JanusConfigPlan): string {
  return `general: {
  configs_folder = "${plan.configDir}"
  plugins_folder = "${plan.pluginsDir}"
  transports_folder = "${plan.transportsDir}"
  events_folder = "${plan.configDir}/none"
  loggers_folder = "${plan.configDir}/none"
  # Warnings and errors only: logging every handle's life at the default level costs CPU in the measured process.
  debug_level = 3
  # The bench's peers live as long as the run; no keepalives to send.
  session_timeout = 0
  # A fixed pool of event loops instead of a thread per handle (hundreds of subscribers on one core).
  event_loops = ${plan.eventLoops}
  server_name = "stagecast-bench"
}
certificates: {
  # No certificate given: Janus generates a self-signed one at start, as mediasoup does.
}
media: {
  # Defaults otherwise (NACK queue, no_media_timer, TWCC feedback period), as mediasoup's are.
}
nat: {
  # ICE-lite like mediasoup: the peers control and nominate, the server answers checks.
  ice_lite = true
  ice_enforce_list = "${plan.interfaceName}"
  ignore_mdns = true
  nice_debug = false
}
plugins: {
}
transports: {
}
loggers: {
}
events: {
  broadcast = false
}
`;
}

/** janus.transport.websockets.jcfg */
export function webSocketConfig(plan: JanusConfigPlan): string {
  return `general: {
  json = "compact"
  ws = true
  ws_port = ${plan.wsPort}
  ws_ip = "${plan.address}"
  wss = false
}
admin: {
  admin_ws = false
  admin_wss = false
}
`;
}

/** janus.plugin.videoroom.jcfg: no static rooms (the bench creates its own through the API). */
export function videoRoomConfig(): string {
  return `general: {
  string_ids = false
}
`;
}
