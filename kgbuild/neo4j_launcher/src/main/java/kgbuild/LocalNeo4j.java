package kgbuild;

import java.nio.file.Path;
import java.util.Map;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.io.ByteUnit;

/**
 * Neo4j Community 5.26 with the Bolt connector, for machines without Docker or a server install.
 *
 * <p>Usage: {@code java -cp ... kgbuild.LocalNeo4j HOME BOLT_PORT}; the password for the {@code neo4j}
 * user comes from the environment variable KGBUILD_NEO4J_PASSWORD so it never shows in a process list.
 * Prints {@code READY} once Bolt accepts connections and runs until it is sent SIGTERM.
 */
public final class LocalNeo4j {
    private LocalNeo4j() {}

    public static void main(String[] args) throws Exception {
        Path home = Path.of(args[0]).toAbsolutePath();
        int port = Integer.parseInt(args[1]);
        String password = System.getenv("KGBUILD_NEO4J_PASSWORD");
        if (password == null || password.length() < 8) {
            System.err.println("KGBUILD_NEO4J_PASSWORD must be set to at least 8 characters");
            System.exit(2);
        }
        DatabaseManagementService dbms = new DatabaseManagementServiceBuilder(home)
                .setConfig(BoltConnector.enabled, true)
                .setConfig(BoltConnector.listen_address, new SocketAddress("127.0.0.1", port))
                .setConfig(BoltConnector.advertised_address, new SocketAddress("127.0.0.1", port))
                .setConfig(GraphDatabaseSettings.auth_enabled, true)
                .setConfig(GraphDatabaseSettings.pagecache_memory, ByteUnit.mebiBytes(512))
                .build();
        Runtime.getRuntime().addShutdownHook(new Thread(dbms::shutdown));
        setPassword(dbms, password);
        System.out.println("READY");
        System.out.flush();
        Thread.currentThread().join();
    }

    private static void setPassword(DatabaseManagementService dbms, String password) {
        try {
            dbms.database("system").executeTransactionally(
                    "ALTER USER neo4j SET PASSWORD $password CHANGE NOT REQUIRED", Map.of("password", password));
        } catch (RuntimeException e) {
            String message = String.valueOf(e.getMessage());
            if (!message.contains("Old password and new password cannot be the same")) {
                throw e;
            }
        }
    }
}
