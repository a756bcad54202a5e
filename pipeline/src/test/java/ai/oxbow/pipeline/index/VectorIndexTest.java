package ai.oxbow.pipeline.index;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VectorIndexTest {
    static final int DIM = 16;

    static float[] random(SplittableRandom r) {
        float[] v = new float[DIM];
        for (int i = 0; i < DIM; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return v;
    }

    static VectorDoc doc(String id, long version, int label, float[] vector) {
        return new VectorDoc(id, version, "simclr", "small-cnn", label, 1_000, vector, null, VectorDoc.NO_CLUSTER);
    }

    @Test
    void upsertsAreIdempotentAndReplaceByIdAndVersion(@TempDir Path dir) throws IOException {
        float[] v = random(new SplittableRandom(1));
        try (VectorIndex index = new VectorIndex(dir)) {
            index.upsert(doc("a", 3, 1, v));
            index.upsert(doc("a", 3, 1, v));
            index.commit(1);
            index.upsert(doc("a", 3, 2, v));
            index.upsert(doc("a", 4, 1, v));
            index.commit(2);
        }
        try (VectorSearch search = new VectorSearch(dir)) {
            assertEquals(new TreeMap<>(Map.of(3L, 1L, 4L, 1L)), search.versions());
            List<VectorSearch.Hit> hits = search.search(v, 5, 3);
            assertEquals(1, hits.size());
            assertEquals("a", hits.get(0).imageId());
            assertEquals(2, hits.get(0).label(), "the later write replaced the earlier one");
            assertEquals(1f, hits.get(0).score(), 1e-5f);
        }
    }

    @Test
    void readersSeeOnlyCommittedDocuments(@TempDir Path dir) throws IOException {
        SplittableRandom r = new SplittableRandom(2);
        try (VectorIndex index = new VectorIndex(dir)) {
            index.upsert(doc("committed", 0, -1, random(r)));
            assertThrows(IllegalArgumentException.class, () -> new VectorSearch(dir), "nothing committed yet");
            index.commit(1);
            try (VectorSearch search = new VectorSearch(dir)) {
                index.upsert(doc("pending", 0, -1, random(r)));
                assertFalse(search.refresh());
                assertEquals(Map.of(0L, 1L), search.versions());
                index.commit(2);
                assertTrue(search.refresh());
                assertEquals(Map.of(0L, 2L), search.versions());
            }
            index.upsert(doc("discarded", 0, -1, random(r)));
        }
        try (VectorSearch search = new VectorSearch(dir)) {
            assertEquals(List.of(), search.versionsOf("discarded"), "closing does not commit");
            assertEquals(Map.of(0L, 2L), search.versions());
        }
    }

    @Test
    void everySearchStaysWithinOneVersion(@TempDir Path dir) throws IOException {
        SplittableRandom r = new SplittableRandom(3);
        float[] query = random(r);
        try (VectorIndex index = new VectorIndex(dir)) {
            // Version 1 holds the query itself, version 2 only other vectors.
            index.upsert(doc("same", 1, 0, query));
            for (int i = 0; i < 50; i++) {
                index.upsert(doc("v1-" + i, 1, 0, random(r)));
                index.upsert(doc("v2-" + i, 2, 0, random(r)));
            }
            index.commit(1);
        }
        try (VectorSearch search = new VectorSearch(dir)) {
            for (List<VectorSearch.Hit> hits : List.of(search.search(query, 10, 2), search.exactSearch(query, 10, 2))) {
                assertEquals(10, hits.size());
                assertTrue(
                        hits.stream()
                                .allMatch(h ->
                                        h.modelVersion() == 2 && h.imageId().startsWith("v2-")),
                        hits.toString());
            }
            assertEquals("same", search.search(query, 1, 1).get(0).imageId());
            assertEquals(List.of(), search.search(query, 10, 7));
        }
    }

    @Test
    void approximateSearchAgreesWithExactSearchOnASmallIndex(@TempDir Path dir) throws IOException {
        SplittableRandom r = new SplittableRandom(4);
        try (VectorIndex index = new VectorIndex(dir)) {
            for (int i = 0; i < 300; i++) {
                index.upsert(doc("img-" + i, 0, i % 10, random(r)));
            }
            index.commit(1);
        }
        try (VectorSearch search = new VectorSearch(dir)) {
            float[] query = random(r);
            List<VectorSearch.Hit> exact = search.exactSearch(query, 5, 0);
            List<VectorSearch.Hit> approx = search.search(query, 5, 0);
            assertEquals(
                    exact.stream().map(VectorSearch.Hit::imageId).toList(),
                    approx.stream().map(VectorSearch.Hit::imageId).toList());
            for (int i = 0; i < exact.size(); i++) {
                assertEquals(exact.get(i).score(), approx.get(i).score(), 1e-5f, "both report cosine similarity");
            }
        }
    }

    @Test
    void findsAStoredVectorByImageId(@TempDir Path dir) throws IOException {
        SplittableRandom r = new SplittableRandom(5);
        float[] v5 = random(r);
        float[] v9 = random(r);
        try (VectorIndex index = new VectorIndex(dir)) {
            index.upsert(doc("cat:1", 9, 3, v9));
            index.upsert(doc("cat:1", 5, 3, v5));
            index.upsert(doc("dog", 5, 4, random(r)));
            index.commit(1);
        }
        try (VectorSearch search = new VectorSearch(dir)) {
            assertEquals(List.of(5L, 9L), search.versionsOf("cat:1"));
            assertArrayEquals(v5, search.vectorOf("cat:1", 5).orElseThrow());
            assertArrayEquals(v9, search.vectorOf("cat:1", 9).orElseThrow());
            assertTrue(search.vectorOf("cat:1", 6).isEmpty());
            assertTrue(search.vectorOf("cow", 5).isEmpty());
            assertEquals(DIM, search.dim());
        }
    }

    @Test
    void theCommittedCheckpointSurvivesReopening(@TempDir Path dir) throws IOException {
        try (VectorIndex index = new VectorIndex(dir)) {
            assertEquals(-1, index.lastCommittedCheckpoint());
            index.upsert(doc("a", 0, -1, random(new SplittableRandom(6))));
            index.commit(7);
            assertEquals(7, index.lastCommittedCheckpoint());
        }
        try (VectorIndex index = new VectorIndex(dir)) {
            assertEquals(7, index.lastCommittedCheckpoint());
            index.upsert(doc("b", 0, -1, random(new SplittableRandom(7))));
            index.commit();
        }
        try (VectorIndex index = new VectorIndex(dir);
                VectorSearch search = new VectorSearch(dir)) {
            assertEquals(7, index.lastCommittedCheckpoint(), "a commit without a checkpoint keeps the last one");
            assertEquals(7, search.committedCheckpoint());
        }
    }

    @Test
    void refusesVectorsWithoutADirection(@TempDir Path dir) throws IOException {
        float[] nan = random(new SplittableRandom(8));
        nan[3] = Float.NaN;
        try (VectorIndex index = new VectorIndex(dir)) {
            assertFalse(index.upsert(doc("zero", 0, -1, new float[DIM])));
            assertFalse(index.upsert(doc("nan", 0, -1, nan)));
            assertTrue(index.upsert(doc("ok", 0, -1, random(new SplittableRandom(9)))));
            index.commit(1);
        }
        try (VectorSearch search = new VectorSearch(dir)) {
            assertEquals(Map.of(0L, 1L), search.versions());
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> search.search(new float[DIM + 1], 3, 0));
            assertTrue(e.getMessage().contains("dimensions"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> search.search(new float[DIM], 3, 0));
        }
    }

    /**
     * An index committed by an earlier Oxbow (src/test/resources/compat/index-v1.zip: 12 documents,
     * versions 3 and 5, checkpoint 4) opens for search and for writing on.
     */
    @Test
    void anIndexOfTheFirstFormatOpensAndTakesMoreDocuments(@TempDir Path dir) throws IOException {
        try (java.util.zip.ZipInputStream zip =
                new java.util.zip.ZipInputStream(VectorIndexTest.class.getResourceAsStream("/compat/index-v1.zip"))) {
            for (java.util.zip.ZipEntry e; (e = zip.getNextEntry()) != null; ) {
                java.nio.file.Files.copy(zip, dir.resolve(e.getName()));
            }
        }
        try (VectorSearch search = new VectorSearch(dir)) {
            assertEquals(new TreeMap<>(Map.of(3L, 6L, 5L, 6L)), search.versions());
        }
        String identity;
        try (VectorIndex index = new VectorIndex(dir)) {
            assertEquals(4, index.lastCommittedCheckpoint());
            identity = index.identity();
            assertFalse(identity.isEmpty());
            index.upsert(doc("new", 6, 1, random(new SplittableRandom(9))));
            index.commit(5);
        }
        try (VectorIndex index = new VectorIndex(dir);
                VectorSearch search = new VectorSearch(dir)) {
            assertEquals(identity, index.identity());
            assertEquals(new TreeMap<>(Map.of(3L, 6L, 5L, 6L, 6L, 1L)), search.versions());
        }
    }
}
