package ai.oxbow.pipeline.ops;

import javax.imageio.ImageIO;

/**
 * ImageIO's plug-in registry is one per JVM, filled once through the context class loader of its first
 * caller. On a TaskManager that caller is a job's task, whose user-code class loader closes when the job
 * ends: a later job then finds no PNG writer. Filling it under the system class loader keeps it valid for
 * every job (the JDK's own readers and writers are all Oxbow uses).
 */
final class JdkImageIO {
    static {
        Thread thread = Thread.currentThread();
        ClassLoader before = thread.getContextClassLoader();
        thread.setContextClassLoader(ClassLoader.getSystemClassLoader());
        try {
            ImageIO.getWriterFormatNames();
        } finally {
            thread.setContextClassLoader(before);
        }
    }

    private JdkImageIO() {}

    /** Fills the registry under the system class loader, once per JVM; call before ImageIO's first use. */
    static void ready() {
        // The static initialiser does the work; this call makes the JVM run it.
    }
}
