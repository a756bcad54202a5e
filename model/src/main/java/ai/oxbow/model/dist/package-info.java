/**
 * Collectives between the ranks of a data-parallel trainer, over direct TCP: no data goes through a central process.
 *
 * <p>Joining: {@link ai.oxbow.model.dist.MeshListener#bind} a server socket and publish its address; once every
 * rank's address and the generation are known, {@link ai.oxbow.model.dist.MeshListener#connect} builds the full mesh
 * (each rank dials the lower ranks and accepts the higher ones). The dialling rank opens with a handshake (magic,
 * protocol version, group id, generation, size, its rank, the rank it wants); the accepting rank answers with an
 * acceptance or the reason for refusing. A connection of another group or generation is refused and closed, and the
 * accepting rank waits on for the right peer until the timeout.
 *
 * <p>Framing: each frame is a 16-byte little-endian header (kind, sequence number of the collective, payload length)
 * and its payload; floats travel as little-endian bytes. The kind names the collective and its phase, so ranks that
 * call different collectives, or a lost frame, fail at once instead of mis-summing.
 *
 * <p>Failure: the first failure of a group is final. A peer gone fails the group as soon as its connection drops; a
 * silent peer fails the collective waiting on it after the timeout. The failing rank sends every other peer an abort
 * frame with the reason, so that each names the rank at fault, and every later collective fails at once.
 */
package ai.oxbow.model.dist;
