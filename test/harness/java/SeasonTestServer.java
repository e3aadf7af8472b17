import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.temporal.internal.testservice.GRPCServerHelper;
import io.temporal.internal.testservice.TestServicesStarter;

/**
 * Temporal's Java time-skipping test server, started at a given instant instead of now (the stock
 * TestServer main always starts at the system clock), so a test can run a campaign in a season
 * that has passed, e.g. the 2026 Spring Festival. Arguments: <port> <start epoch ms>; time
 * skipping starts locked, as the TypeScript SDK expects.
 */
public final class SeasonTestServer {
  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[0]);
    long startMs = Long.parseLong(args[1]);
    TestServicesStarter services = new TestServicesStarter(true, startMs);
    ServerBuilder<?> builder = Grpc.newServerBuilderForPort(port, InsecureServerCredentials.create());
    GRPCServerHelper.registerServicesAndHealthChecks(services.getServices(), builder);
    Server server = builder.build().start();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      server.shutdownNow();
      services.close();
    }));
    server.awaitTermination();
  }
}
