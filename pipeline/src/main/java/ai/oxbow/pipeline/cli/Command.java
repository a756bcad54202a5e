package ai.oxbow.pipeline.cli;

import java.util.List;
import java.util.Map;

/**
 * A subcommand: its name ("demo", "bench train"), one line on what it does, its options, the
 * groups of them that exclude each other, and what it runs. The option declarations serve the
 * parser, {@code --help} and docs/cli.md's tables ({@link #markdown}).
 *
 * <p>A command runs in two steps: {@link Action#prepare} turns the options into its settings,
 * checking them (anything it refuses is a usage error: nothing was started), and returns the
 * {@link Run}; whatever that throws is a failure.
 */
public record Command(String name, String summary, List<Option<?>> options, List<Exclusive> groups, Action action) {

    @FunctionalInterface
    public interface Action {
        /** The command's settings from its options; an IllegalArgumentException here is a usage error. */
        Run prepare(Args a) throws Exception;
    }

    @FunctionalInterface
    public interface Run {
        void run() throws Exception;
    }

    public Command(String name, String summary, List<Option<?>> options, Action action) {
        this(name, summary, options, List.of(), action);
    }

    public Args parse(String[] argv, int from) {
        return Args.parse(name, summary, options, groups, argv, from);
    }

    /** @throws UsageException what the settings refuse (an IllegalArgumentException of theirs, or of the model's checks) */
    public Run prepare(Args a) throws Exception {
        try {
            return action.prepare(a);
        } catch (UsageException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage(), e);
        }
    }

    /**
     * docs/cli.md's table of this command's options: those not in {@code shared} (documented once in
     * their own table), and shared ones whose default this command changes.
     */
    public String markdown(List<Option<?>> shared) {
        Map<String, Option<?>> byName = new java.util.HashMap<>();
        shared.forEach(o -> byName.put(o.name(), o));
        StringBuilder out = new StringBuilder("| option | default | meaning |\n|---|---|---|\n");
        for (Option<?> o : options) {
            Option<?> common = byName.get(o.name());
            if (common == null || !common.equals(o)) {
                out.append(row(o));
            }
        }
        return out.toString();
    }

    /** A table of these options. */
    public static String markdownTable(List<Option<?>> options) {
        StringBuilder out = new StringBuilder("| option | default | meaning |\n|---|---|---|\n");
        options.forEach(o -> out.append(row(o)));
        return out.toString();
    }

    private static String row(Option<?> o) {
        String label = o.type() == Option.Type.BOOLEAN ? "" : " " + o.type().label();
        return "| `" + o.flagName() + label + "` | " + o.shownDefault() + " | "
                + o.description().replace("|", "\\|") + " |\n";
    }
}
