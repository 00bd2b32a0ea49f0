import type { types } from 'mediasoup';
import type { ConsumerAppData, PeerProducer } from './MediaRoomTypes.ts';

/** Which end of a pipe a PipeTransport is: `out` consumes in the source room, `in` produces in the other, `both` does both (NodePipe). */
export type PipeEnd = 'out' | 'in' | 'both';

export interface PipeTransportAppData extends types.AppData {
  end: PipeEnd;
  /** The room at the other end of the pipe. */
  remoteRoomId: string;
}

export type PipeTransport = types.PipeTransport<PipeTransportAppData>;
/** Consumes a source producer on the `out` end; carries the source's peer and track source. */
export type PipeConsumer = types.Consumer<ConsumerAppData>;

/**
 * Why a pipe closed: `closed` (its owner called close()), `room-closed` (either
 * room's router closed or its worker died, which takes a PipeTransport with it).
 */
export type RouterPipeCloseReason = 'closed' | 'room-closed';

export type RouterPipeEvents = {
  /** A source producer now has a guest in the `to` room (its consumers may consume it). */
  guest: [guest: PeerProducer, sourceProducerId: string];
  /** A guest closed: its source closed, stop() was called, or the pipe closed. */
  guestclose: [guest: PeerProducer, sourceProducerId: string];
  /** Both PipeTransports are closed, with every pipe consumer and guest. Emitted once. */
  close: [reason: RouterPipeCloseReason];
};
