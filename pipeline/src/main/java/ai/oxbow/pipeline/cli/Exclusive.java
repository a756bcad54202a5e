package ai.oxbow.pipeline.cli;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Options of a command that exclude each other (e.g. {@code search --id | --image}), declared
 * once: the parser enforces them and {@code --help} lists them.
 *
 * @param required one of them must be given
 */
public record Exclusive(List<Option<?>> options, boolean required) {

    public static Exclusive exactlyOne(Option<?>... options) {
        return new Exclusive(List.of(options), true);
    }

    public static Exclusive atMostOne(Option<?>... options) {
        return new Exclusive(List.of(options), false);
    }

    /** e.g. "exactly one of --id | --image" */
    public String describe() {
        return (required ? "exactly" : "at most") + " one of "
                + options.stream().map(Option::flagName).collect(Collectors.joining(" | "));
    }

    /** @throws UsageException when the options given break the rule */
    void check(Set<String> given) {
        List<String> present = options.stream()
                .filter(o -> given.contains(o.name()))
                .map(Option::flagName)
                .toList();
        if (present.size() > 1) {
            throw new UsageException("give " + describe() + ", not " + String.join(" and ", present));
        }
        if (required && present.isEmpty()) {
            throw new UsageException("give " + describe());
        }
    }
}
