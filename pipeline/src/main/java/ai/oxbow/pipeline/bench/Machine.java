package ai.oxbow.pipeline.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * The processor a figure was measured on, for benchmark outputs: throughput and wall times move
 * with the host (this trainer ran ~2.4 times slower on an AVX2-only host than on the README's
 * first one), so every figure says where it came from.
 */
public final class Machine {
    private Machine() {}

    /** e.g. "AMD EPYC, 2 cores, avx2": /proc/cpuinfo's model name, the cores, the widest vector ISA. */
    public static String cpu() {
        int cores = Runtime.getRuntime().availableProcessors();
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc/cpuinfo"));
            String model = field(lines, "model name");
            // Some kernels separate flags by more than one space.
            Set<String> flags = Set.copyOf(List.of(field(lines, "flags").split("\\s+")));
            String isa = flags.contains("avx512f")
                    ? "avx512"
                    : flags.contains("avx2") ? "avx2" : flags.contains("avx") ? "avx" : "sse";
            // The oneDNN kernels in use, when capped below the host's (scripts/cpu-env.sh).
            String cap = System.getenv("ONEDNN_MAX_CPU_ISA");
            return model + ", " + cores + " cores, " + isa + (cap == null ? "" : ", oneDNN " + cap.toLowerCase());
        } catch (IOException e) {
            return System.getProperty("os.arch") + ", " + cores + " cores";
        }
    }

    private static String field(List<String> lines, String name) {
        return lines.stream()
                .filter(l -> l.startsWith(name))
                .findFirst()
                .map(l -> l.substring(l.indexOf(':') + 1).strip())
                .orElse("unknown");
    }
}
