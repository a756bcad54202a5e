package ai.oxbow.pipeline.cli;

import ai.oxbow.model.state.Crc32c;
import ai.oxbow.model.state.GroupCodec;
import ai.oxbow.pipeline.train.TrainerCheckpoint;
import java.io.DataInputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.ExecutionConfig;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.base.LongSerializer;
import org.apache.flink.api.common.typeutils.base.array.BytePrimitiveArraySerializer;
import org.apache.flink.core.fs.CloseableRegistry;
import org.apache.flink.runtime.checkpoint.Checkpoints;
import org.apache.flink.runtime.checkpoint.OperatorState;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.checkpoint.metadata.CheckpointMetadata;
import org.apache.flink.runtime.state.DefaultOperatorStateBackend;
import org.apache.flink.runtime.state.DefaultOperatorStateBackendBuilder;
import org.apache.flink.runtime.state.OperatorStateHandle;

/**
 * `checkpoint`: the trainer's state in a retained checkpoint or savepoint, read from its files
 * with Flink's own metadata format, not through a running job: the size and CRC-32C of the
 * trainer blob, and the checksum the trainer recorded with it. Restoring that checkpoint must
 * yield the same CRC (the trainer's {@code trainer_restored_crc32c} metric).
 */
public final class CheckpointInfo {
    private CheckpointInfo() {}

    static final Option<String> PATH = Option.string("path", "a retained checkpoint (chk-N) or savepoint directory")
            .required();
    static final List<Option<?>> OPTIONS = List.of(PATH);

    static Command.Run prepare(Args a) {
        String path = a.get(PATH);
        Path dir = path.startsWith("file:") ? Path.of(URI.create(path)) : Path.of(path);
        Path metadata = Files.isDirectory(dir) ? dir.resolve("_metadata") : dir;
        if (!Files.isRegularFile(metadata)) {
            throw new IllegalArgumentException("no checkpoint metadata at " + metadata);
        }
        return () -> print(metadata);
    }

    private static CheckpointMetadata load(Path metadata) throws IOException {
        try (DataInputStream in = new DataInputStream(Files.newInputStream(metadata))) {
            return Checkpoints.loadCheckpointMetadata(
                    in,
                    CheckpointInfo.class.getClassLoader(),
                    metadata.getParent().toUri().toString());
        }
    }

    /** The trainer's blob in a retained checkpoint or savepoint directory. */
    public static byte[] trainer(Path dir) throws IOException {
        for (OperatorState operator : load(dir.resolve("_metadata")).getOperatorStates()) {
            for (OperatorSubtaskState subtask : operator.getStates()) {
                for (OperatorStateHandle handle : subtask.getManagedOperatorState()) {
                    byte[] blob = trainerBlob(handle);
                    if (blob != null) {
                        return blob;
                    }
                }
            }
        }
        throw new IllegalArgumentException("no trainer state in " + dir);
    }

    private static void print(Path metadata) throws IOException {
        CheckpointMetadata checkpoint = load(metadata);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("checkpoint", checkpoint.getCheckpointId());
        for (OperatorState operator : checkpoint.getOperatorStates()) {
            for (OperatorSubtaskState subtask : operator.getStates()) {
                for (OperatorStateHandle handle : subtask.getManagedOperatorState()) {
                    byte[] entry = first(handle, TrainerCheckpoint.MODEL, BytePrimitiveArraySerializer.INSTANCE);
                    if (entry != null) {
                        GroupCodec.ModelEntry m = GroupCodec.decodeModel(entry);
                        out.put("trainer_state_bytes", m.trainer().length);
                        out.put("trainer_state_crc32c", Crc32c.of(m.trainer()));
                        out.put("recorded_crc32c", m.trainerCrc());
                        out.put("trainer_ranks", m.ranks());
                        out.put("trainer_step", m.step());
                    }
                    byte[] legacy = first(handle, "trainer-state", BytePrimitiveArraySerializer.INSTANCE);
                    if (legacy != null) {
                        out.put("trainer_state_bytes", legacy.length);
                        out.put("trainer_state_crc32c", Crc32c.of(legacy));
                        Long recorded = first(handle, "trainer-state-crc32c", LongSerializer.INSTANCE);
                        out.put("recorded_crc32c", recorded == null ? -1 : recorded);
                    }
                }
            }
        }
        if (!out.containsKey("trainer_state_bytes")) {
            throw new IllegalArgumentException(
                    "checkpoint " + checkpoint.getCheckpointId() + " holds no trainer state");
        }
        System.out.println(Json.line(out));
    }

    /** The trainer's blob (the group's model) in this operator state handle, null if it holds none. */
    public static byte[] trainerBlob(OperatorStateHandle handle) throws IOException {
        byte[] entry = first(handle, TrainerCheckpoint.MODEL, BytePrimitiveArraySerializer.INSTANCE);
        return entry == null ? null : GroupCodec.decodeModel(entry).trainer();
    }

    /**
     * The first element of a list state in this handle, null if the handle does not hold it. Read
     * by the operator state backend Flink restores with, so compressed and uncompressed states
     * read as a restore reads them.
     */
    private static <T> T first(OperatorStateHandle handle, String name, TypeSerializer<T> serializer)
            throws IOException {
        if (!handle.getStateNameToPartitionOffsets().containsKey(name)) {
            return null;
        }
        try (CloseableRegistry registry = new CloseableRegistry();
                DefaultOperatorStateBackend backend = new DefaultOperatorStateBackendBuilder(
                                CheckpointInfo.class.getClassLoader(),
                                new ExecutionConfig(),
                                false,
                                List.of(handle),
                                registry)
                        .build()) {
            ListStateDescriptor<T> descriptor = new ListStateDescriptor<>(name, serializer);
            boolean union = handle.getStateNameToPartitionOffsets().get(name).getDistributionMode()
                    == OperatorStateHandle.Mode.UNION;
            Iterator<T> elements = (union ? backend.getUnionListState(descriptor) : backend.getListState(descriptor))
                    .get()
                    .iterator();
            return elements.hasNext() ? elements.next() : null;
        } catch (IOException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException("cannot read state " + name + " of " + handle, e);
        }
    }
}
