import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import org.apache.solr.embedded.JettyConfig;
import org.apache.solr.embedded.JettySolrRunner;

/**
 * One SolrCloud node in this JVM, as Solr's own tests run theirs: Solr's distribution (with its
 * start.jar and webapp) is not on Maven Central, its embedded Jetty launcher is. Run by node.sh:
 *
 * <pre>java -cp 'lib/*' SolrNode.java PORT SOLR_HOME ZK_HOST</pre>
 *
 * Serves http://127.0.0.1:PORT/solr until SIGTERM, which stops Jetty and the cores cleanly.
 */
public final class SolrNode {
    private static final String SOLR_XML = """
            <solr>
              <solrcloud>
                <str name="host">127.0.0.1</str>
                <int name="hostPort">${hostPort:8983}</int>
                <str name="hostContext">solr</str>
                <str name="zkHost">${zkHost:}</str>
                <int name="zkClientTimeout">15000</int>
                <bool name="genericCoreNodeNames">true</bool>
              </solrcloud>
            </solr>
            """;

    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            throw new IllegalArgumentException("usage: SolrNode PORT SOLR_HOME ZK_HOST");
        }
        int port = Integer.parseInt(args[0]);
        Path home = Path.of(args[1]).toAbsolutePath();
        Files.createDirectories(home);
        Files.writeString(home.resolve("solr.xml"), SOLR_XML);
        Properties node = new Properties();
        node.setProperty("zkHost", args[2]);
        JettySolrRunner jetty = new JettySolrRunner(
                home.toString(),
                node,
                JettyConfig.builder().setPort(port).setContext("/solr").stopAtShutdown(true).build());
        jetty.start();
        System.out.println("solr node " + jetty.getNodeName() + " up at " + jetty.getBaseUrl());
        new CountDownLatch(1).await(); // Jetty's own shutdown hook stops the node on SIGTERM
    }
}
