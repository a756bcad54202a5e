package ai.oxbow.model.state;

import ai.djl.ndarray.NDArray;

/**
 * Walks every piece of trainer state by name. One walk serves both directions: a writer
 * records the live values, a reader overwrites them with the stored ones.
 */
public interface StateVisitor {
    /** Saves or restores a live array in place. */
    void tensor(String name, NDArray live);

    /** Returns the value to keep: the given one when saving, the stored one when restoring. */
    long scalar(String name, long value);

    default float floatScalar(String name, float value) {
        return Float.intBitsToFloat((int) scalar(name, Float.floatToRawIntBits(value)));
    }
}
