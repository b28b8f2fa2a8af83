// An Iceberg REST catalog for tests: the request handling is Iceberg's own server-side code
// (CatalogHandlers and its REST serializers, inside the Iceberg Spark runtime); this file maps
// the REST spec's routes onto it with the JDK's HTTP server. The catalog behind it is whatever
// CatalogUtil builds from the key=value arguments (type=hadoop warehouse=file:///d, or
// type=hive uri=thrift://h:p). Tables and namespaces only: no views, OAuth, credential
// vending or scan planning; a multi-table commit is applied one table at a time.
//   java -cp "ICEBERG_RUNTIME:HADOOP_JARS" IcebergRestServer.java 127.0.0.1 PORT [key=value ...]
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import org.apache.hadoop.conf.Configuration;
import org.apache.iceberg.CatalogUtil;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.SupportsNamespaces;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.exceptions.AlreadyExistsException;
import org.apache.iceberg.exceptions.CommitFailedException;
import org.apache.iceberg.exceptions.NamespaceNotEmptyException;
import org.apache.iceberg.exceptions.NoSuchNamespaceException;
import org.apache.iceberg.exceptions.NoSuchTableException;
import org.apache.iceberg.exceptions.NotFoundException;
import org.apache.iceberg.exceptions.ValidationException;
import org.apache.iceberg.rest.CatalogHandlers;
import org.apache.iceberg.rest.RESTSerializers;
import org.apache.iceberg.rest.RESTUtil;
import org.apache.iceberg.rest.requests.CommitTransactionRequest;
import org.apache.iceberg.rest.requests.CreateNamespaceRequest;
import org.apache.iceberg.rest.requests.CreateTableRequest;
import org.apache.iceberg.rest.requests.RegisterTableRequest;
import org.apache.iceberg.rest.requests.RenameTableRequest;
import org.apache.iceberg.rest.requests.UpdateNamespacePropertiesRequest;
import org.apache.iceberg.rest.requests.UpdateTableRequest;
import org.apache.iceberg.rest.responses.ConfigResponse;
import org.apache.iceberg.rest.responses.ErrorResponse;
import org.apache.iceberg.rest.responses.ErrorResponseParser;
import org.apache.iceberg.shaded.com.fasterxml.jackson.annotation.JsonAutoDetect;
import org.apache.iceberg.shaded.com.fasterxml.jackson.annotation.PropertyAccessor;
import org.apache.iceberg.shaded.com.fasterxml.jackson.databind.DeserializationFeature;
import org.apache.iceberg.shaded.com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.iceberg.shaded.com.fasterxml.jackson.databind.PropertyNamingStrategies;

public class IcebergRestServer {
  /** What a route answers: a body to serialize, or nothing (204). */
  record Reply(int status, Object body) {
    static Reply of(Object body) { return new Reply(200, body); }
    static Reply empty() { return new Reply(204, null); }
  }

  /** The REST spec's words after /v1/[prefix/]; anything else is a catalog prefix to drop. */
  static final Set<String> ROOTS = Set.of("config", "namespaces", "tables", "transactions");

  // As Iceberg's own REST mapper: the request classes' private fields, named in kebab-case.
  static final ObjectMapper JSON = new ObjectMapper()
      .setVisibility(PropertyAccessor.FIELD, JsonAutoDetect.Visibility.ANY)
      .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
      .setPropertyNamingStrategy(new PropertyNamingStrategies.KebabCaseStrategy());

  static Catalog catalog;
  static SupportsNamespaces namespaces;

  public static void main(String[] args) throws IOException {
    Map<String, String> properties = new HashMap<>();
    properties.put("type", "hadoop");
    for (int i = 2; i < args.length; i++) {
      String[] kv = args[i].split("=", 2);
      properties.put(kv[0], kv[1]);
    }
    RESTSerializers.registerAll(JSON);
    catalog = CatalogUtil.buildIcebergCatalog("backend", properties, new Configuration());
    namespaces = (SupportsNamespaces) catalog;
    HttpServer server = HttpServer.create(new InetSocketAddress(args[0], Integer.parseInt(args[1])), 64);
    server.createContext("/", IcebergRestServer::serve);
    server.setExecutor(Executors.newFixedThreadPool(8));
    server.start();
    System.err.println("Iceberg REST catalog on " + server.getAddress() + " over " + properties);
  }

  static void serve(HttpExchange exchange) throws IOException {
    String method = exchange.getRequestMethod();
    Reply reply;
    try {
      reply = route(method, exchange);
    } catch (Exception e) {
      int status = statusOf(e);
      if (status == 500) e.printStackTrace();
      reply = new Reply(status, ErrorResponse.builder().responseCode(status)
          .withType(e.getClass().getSimpleName()).withMessage(String.valueOf(e.getMessage())).build());
    }
    byte[] body = reply.body() == null ? new byte[0]
        : (reply.body() instanceof ErrorResponse error ? ErrorResponseParser.toJson(error)
            : JSON.writeValueAsString(reply.body())).getBytes(StandardCharsets.UTF_8);
    boolean bodyless = body.length == 0 || method.equals("HEAD");
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(reply.status(), bodyless ? -1 : body.length);
    if (!bodyless) exchange.getResponseBody().write(body);
    exchange.close();
    System.err.println(method + " " + exchange.getRequestURI() + " -> " + reply.status());
  }

  static Reply route(String method, HttpExchange exchange) throws IOException {
    List<String> path = new ArrayList<>();
    for (String segment : exchange.getRequestURI().getRawPath().split("/")) {
      if (!segment.isEmpty()) path.add(segment);
    }
    if (path.size() > 2 && !ROOTS.contains(path.get(1))) path.remove(1);
    if (path.size() < 2 || !path.get(0).equals("v1")) throw new NotFoundException("no route %s", path);
    Map<String, String> query = query(exchange.getRequestURI().getRawQuery());
    String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    String route = method + " " + shape(path);
    switch (route) {
      case "GET /v1/config":
        return Reply.of(ConfigResponse.builder().build());
      case "GET /v1/namespaces":
        return Reply.of(CatalogHandlers.listNamespaces(namespaces, query.containsKey("parent")
            ? RESTUtil.decodeNamespace(query.get("parent")) : Namespace.empty()));
      case "POST /v1/namespaces":
        return Reply.of(CatalogHandlers.createNamespace(namespaces, read(body, CreateNamespaceRequest.class)));
      case "POST /v1/tables/rename":
        CatalogHandlers.renameTable(catalog, read(body, RenameTableRequest.class));
        return Reply.empty();
      case "POST /v1/transactions/commit":
        for (UpdateTableRequest change : read(body, CommitTransactionRequest.class).tableChanges()) {
          CatalogHandlers.updateTable(catalog, change.identifier(), change);
        }
        return Reply.empty();
      default:
    }
    Namespace ns = RESTUtil.decodeNamespace(path.get(2));
    switch (route) {
      case "GET /v1/namespaces/{ns}":
        return Reply.of(CatalogHandlers.loadNamespace(namespaces, ns));
      case "HEAD /v1/namespaces/{ns}":
        CatalogHandlers.namespaceExists(namespaces, ns);
        return Reply.empty();
      case "DELETE /v1/namespaces/{ns}":
        CatalogHandlers.dropNamespace(namespaces, ns);
        return Reply.empty();
      case "POST /v1/namespaces/{ns}/properties":
        return Reply.of(CatalogHandlers.updateNamespaceProperties(
            namespaces, ns, read(body, UpdateNamespacePropertiesRequest.class)));
      case "POST /v1/namespaces/{ns}/register":
        return Reply.of(CatalogHandlers.registerTable(catalog, ns, read(body, RegisterTableRequest.class)));
      case "GET /v1/namespaces/{ns}/tables":
        return Reply.of(CatalogHandlers.listTables(catalog, ns));
      case "POST /v1/namespaces/{ns}/tables": {
        CreateTableRequest create = read(body, CreateTableRequest.class);
        return Reply.of(create.stageCreate() ? CatalogHandlers.stageTableCreate(catalog, ns, create)
            : CatalogHandlers.createTable(catalog, ns, create));
      }
      default:
    }
    TableIdentifier table = TableIdentifier.of(ns, URLDecoder.decode(path.get(4), StandardCharsets.UTF_8));
    switch (route) {
      case "GET /v1/namespaces/{ns}/tables/{table}":
        return Reply.of(CatalogHandlers.loadTable(catalog, table));
      case "HEAD /v1/namespaces/{ns}/tables/{table}":
        CatalogHandlers.tableExists(catalog, table);
        return Reply.empty();
      case "POST /v1/namespaces/{ns}/tables/{table}":
        return Reply.of(CatalogHandlers.updateTable(catalog, table, read(body, UpdateTableRequest.class)));
      case "DELETE /v1/namespaces/{ns}/tables/{table}":
        if ("true".equals(query.get("purgeRequested"))) CatalogHandlers.purgeTable(catalog, table);
        else CatalogHandlers.dropTable(catalog, table);
        return Reply.empty();
      case "POST /v1/namespaces/{ns}/tables/{table}/metrics":
        return Reply.empty();
      default:
        throw new NotFoundException("no route %s", route);
    }
  }

  /** The path with its variable segments named as the spec names them. */
  static String shape(List<String> path) {
    List<String> shape = new ArrayList<>(path);
    if (shape.size() > 2 && shape.get(1).equals("namespaces")) shape.set(2, "{ns}");
    if (shape.size() > 4 && shape.get(3).equals("tables")) shape.set(4, "{table}");
    return "/" + String.join("/", shape);
  }

  static Map<String, String> query(String raw) {
    Map<String, String> query = new HashMap<>();
    if (raw == null) return query;
    for (String pair : raw.split("&")) {
      String[] kv = pair.split("=", 2);
      query.put(kv[0], kv.length > 1 ? kv[1] : "");
    }
    return query;
  }

  static <T> T read(String body, Class<T> type) throws IOException {
    return JSON.readValue(body, type);
  }

  static int statusOf(Exception e) {
    if (e instanceof NoSuchNamespaceException || e instanceof NoSuchTableException
        || e instanceof NotFoundException) return 404;
    if (e instanceof AlreadyExistsException || e instanceof CommitFailedException
        || e instanceof NamespaceNotEmptyException) return 409;
    if (e instanceof ValidationException || e instanceof IllegalArgumentException
        || e instanceof IOException) return 400;
    return 500;
  }
}
