package ai.oxbow.pipeline.ops;

/** A validated image: 8-bit samples, HWC. Label -1 when the event had none. */
public class DecodedImage {
    public String id;
    public long eventTime;
    public int label;
    public int height;
    public int width;
    public int channels;
    public byte[] pixels;

    public DecodedImage() {}

    public DecodedImage(String id, long eventTime, int label, int height, int width, int channels, byte[] pixels) {
        this.id = id;
        this.eventTime = eventTime;
        this.label = label;
        this.height = height;
        this.width = width;
        this.channels = channels;
        this.pixels = pixels;
    }
}
