package ai.oxbow.model.dist;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Speed of {@link Collectives#allReduceSum} between two ranks on loopback, as threads of this JVM and as two
 * processes, for small-cnn's gradient (1.2M floats) and ResNet-18's (11.25M): one JSON line per configuration with
 * the milliseconds per call (p50, p90), the bandwidth (array bytes per second at p50; the bus figure of NCCL's tests
 * is the same at two ranks), the share of the calls spent waiting on the network, and the CPU time a rank used per
 * call (its process's, garbage collection included), which says more than wall time on a busy machine. From the
 * repository root:
 *
 * <pre>
 * mvn -q -B -pl model -am test-compile
 * mvn -q -B -pl model dependency:build-classpath -Dmdep.outputFile=/tmp/oxbow-model.cp
 * java -cp model/target/classes:model/target/test-classes:$(cat /tmp/oxbow-model.cp) \
 *     ai.oxbow.model.dist.AllReduceBench [threads|processes]
 * </pre>
 */
public final class AllReduceBench {
    private static final int[] FLOATS = {1_200_000, 11_250_000};
    // Enough for the JIT to compile the copy and sum loops in a fresh JVM (the child rank's).
    private static final int WARMUP = 20;
    private static final int CALLS = 30;

    private AllReduceBench() {}

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("child")) {
            child(args);
            return;
        }
        List<String> modes = args.length > 0 ? List.of(args[0]) : List.of("threads", "processes");
        for (String mode : modes) {
            for (int floats : FLOATS) {
                for (boolean inPlace : new boolean[] {false, true}) {
                    Result result = mode.equals("threads") ? threads(floats, inPlace) : processes(floats, inPlace);
                    // Both ranks run in this process as threads, rank 0 alone otherwise.
                    report(mode, floats, inPlace, result, mode.equals("threads") ? 2 : 1);
                }
            }
        }
    }

    /** Rank 0's figures: nanoseconds of each measured call, their network wait, and the process's CPU time. */
    private record Result(long[] nanos, long waitNanos, long cpuNanos) {}

    private static Result threads(int floats, boolean inPlace) throws IOException {
        try (LoopbackGroup group = LoopbackGroup.form(2, TransportOptions.DEFAULTS)) {
            return group.onEveryRank(c -> calls(c, floats, inPlace)).get(0);
        }
    }

    /** Rank 0 here, rank 1 in a child JVM that reports its address on its first line of output. */
    private static Result processes(int floats, boolean inPlace) throws Exception {
        try (MeshListener listener = bindLoopback()) {
            InetSocketAddress own = listener.address();
            String java =
                    Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Process child = new ProcessBuilder(
                            java,
                            "-cp",
                            System.getProperty("java.class.path"),
                            AllReduceBench.class.getName(),
                            "child",
                            own.getHostString(),
                            String.valueOf(own.getPort()),
                            String.valueOf(floats),
                            String.valueOf(inPlace))
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start();
            try {
                BufferedReader lines =
                        new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
                String[] hostPort = lines.readLine().split(":");
                InetSocketAddress peer = new InetSocketAddress(hostPort[0], Integer.parseInt(hostPort[1]));
                try (Collectives rank0 = listener.connect(0, List.of(own, peer), 1, "bench")) {
                    return calls(rank0, floats, inPlace);
                }
            } finally {
                if (child.waitFor() != 0) {
                    throw new IllegalStateException("the child rank exited with " + child.exitValue());
                }
            }
        }
    }

    private static void child(String[] args) throws IOException {
        InetSocketAddress rank0 = new InetSocketAddress(args[1], Integer.parseInt(args[2]));
        try (MeshListener listener = bindLoopback()) {
            InetSocketAddress own = listener.address();
            System.out.println(own.getHostString() + ":" + own.getPort());
            System.out.flush();
            try (Collectives rank1 = listener.connect(1, List.of(rank0, own), 1, "bench")) {
                calls(rank1, Integer.parseInt(args[3]), Boolean.parseBoolean(args[4]));
            }
        }
    }

    private static MeshListener bindLoopback() throws IOException {
        return MeshListener.bind(new InetSocketAddress("127.0.0.1", 0), TransportOptions.DEFAULTS);
    }

    private static Result calls(Collectives group, int floats, boolean inPlace) {
        float[] gradient = new float[floats];
        for (int i = 0; i < floats; i++) {
            gradient[i] = (i % 1000) * 1e-3f;
        }
        ByteBuffer buffer = ByteBuffer.allocateDirect(floats * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        long[] nanos = new long[CALLS];
        long waitNanos = 0;
        long cpuStart = 0;
        for (int call = -WARMUP; call < CALLS; call++) {
            if (call == 0) {
                cpuStart = processCpuNanos();
            }
            long start = System.nanoTime();
            if (inPlace) {
                // As a trainer would: the gradient copied in, summed in place, and copied out.
                buffer.asFloatBuffer().put(gradient);
                group.allReduceSumInPlace(buffer);
                buffer.asFloatBuffer().get(gradient);
            } else {
                gradient = group.allReduceSum(gradient);
            }
            if (call >= 0) {
                nanos[call] = System.nanoTime() - start;
                waitNanos += group.lastTime().waitNanos();
            }
        }
        return new Result(nanos, waitNanos, processCpuNanos() - cpuStart);
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    private static void report(String mode, int floats, boolean inPlace, Result result, int ranksInProcess) {
        long[] sorted = result.nanos().clone();
        Arrays.sort(sorted);
        double p50 = sorted[CALLS / 2] / 1e6;
        double p90 = sorted[(int) Math.ceil(CALLS * 0.9) - 1] / 1e6;
        double bytes = floats * (double) Float.BYTES;
        List<String> fields = new ArrayList<>();
        fields.add("\"mode\":\"" + mode + "\"");
        fields.add("\"ranks\":2");
        fields.add("\"floats\":" + floats);
        fields.add("\"mb\":" + format(bytes / 1e6));
        fields.add("\"api\":\"" + (inPlace ? "allReduceSumInPlace(ByteBuffer)" : "allReduceSum(float[])") + "\"");
        fields.add("\"calls\":" + CALLS);
        fields.add("\"p50_ms\":" + format(p50));
        fields.add("\"p90_ms\":" + format(p90));
        fields.add("\"gb_per_s\":" + format(bytes / (p50 / 1e3) / 1e9));
        fields.add("\"wait_share\":"
                + format(result.waitNanos() / (double) Arrays.stream(sorted).sum()));
        fields.add("\"cpu_ms_per_rank\":" + format(result.cpuNanos() / 1e6 / ranksInProcess / CALLS));
        System.out.println("{" + String.join(",", fields) + "}");
    }

    private static String format(double value) {
        return String.format(Locale.ROOT, "%.3f", value);
    }
}
