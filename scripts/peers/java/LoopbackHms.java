// The Hive Metastore 2.3 Thrift service (Hive's own HMSHandler, from the jars in pyspark's wheel),
// listening on one address: Hive's HiveMetaStore.main binds every interface. hms.sh puts the
// hive-site.xml it writes on the classpath.
//   java -cp "CONF_DIR:HIVE_JARS" LoopbackHms.java 127.0.0.1 PORT
import java.net.InetSocketAddress;
import org.apache.hadoop.hive.conf.HiveConf;
import org.apache.hadoop.hive.metastore.HiveMetaStore;
import org.apache.hadoop.hive.metastore.IHMSHandler;
import org.apache.hadoop.hive.metastore.TSetIpAddressProcessor;
import org.apache.hadoop.hive.metastore.txn.TxnDbUtil;
import org.apache.thrift.protocol.TBinaryProtocol;
import org.apache.thrift.server.TThreadPoolServer;
import org.apache.thrift.transport.TServerSocket;
import org.apache.thrift.transport.TTransportFactory;

public class LoopbackHms {
  public static void main(String[] args) throws Throwable {
    InetSocketAddress address = new InetSocketAddress(args[0], Integer.parseInt(args[1]));
    HiveConf conf = new HiveConf(HiveMetaStore.HMSHandler.class);
    // Locks (what Iceberg's HiveCatalog commits through) live in the transaction tables, which
    // DataNucleus does not create; on a database made by an earlier start they already exist.
    try {
      TxnDbUtil.prepDb(conf);
    } catch (Exception alreadyThere) {
      System.err.println("transaction tables: " + alreadyThere.getMessage());
    }
    IHMSHandler handler = HiveMetaStore.newRetryingHMSHandler(
        new HiveMetaStore.HMSHandler("junction test metastore", conf, false), conf);
    TThreadPoolServer.Args server = new TThreadPoolServer.Args(new TServerSocket(address))
        .processor(new TSetIpAddressProcessor<>(handler))
        .transportFactory(new TTransportFactory())
        .protocolFactory(new TBinaryProtocol.Factory())
        .minWorkerThreads(4)
        .maxWorkerThreads(64);
    System.err.println("metastore listening on " + address);
    new TThreadPoolServer(server).serve();
  }
}
