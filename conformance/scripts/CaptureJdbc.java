// pgJDBC's DatabaseMetaData and ResultSetMetaData calls, as DBeaver's and Metabase's navigators
// and sync make them, each on its own connection named `<prefix><n>` (ApplicationName), so
// that capture_tool_sql.py can tell from PostgreSQL's log which call sent which statement.
// Prints "<n>\t<action>" for each call. Usage: java CaptureJdbc.java <jdbc url> <prefix>
import java.sql.*;
import java.util.*;

public class CaptureJdbc {
    interface Call {
        void run(Connection c) throws SQLException;
    }

    static void drain(ResultSet rs) throws SQLException {
        try (rs) {
            int columns = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                for (int i = 1; i <= columns; i++) rs.getObject(i);
            }
        }
    }

    public static void main(String[] args) throws Exception {
        String url = args[0];
        String prefix = args[1];
        Map<String, Call> calls = new LinkedHashMap<>();
        calls.put("connect and Statement.executeQuery", c -> {
            try (Statement s = c.createStatement()) {
                drain(s.executeQuery("select count(*) from silver.patients"));
            }
        });
        calls.put("PreparedStatement with an int parameter", c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "select name, birth_date from silver.patients where patient_id = ?")) {
                ps.setInt(1, 4);
                drain(ps.executeQuery());
            }
        });
        calls.put("ResultSetMetaData of a table's rows", c -> {
            try (Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("select * from silver.devices")) {
                ResultSetMetaData md = rs.getMetaData();
                for (int i = 1; i <= md.getColumnCount(); i++) {
                    md.getColumnTypeName(i);
                    md.isNullable(i);
                    md.isAutoIncrement(i);
                    md.getTableName(i);
                    md.getSchemaName(i);
                    md.getPrecision(i);
                    md.getScale(i);
                }
            }
        });
        calls.put("getCatalogs()", c -> drain(c.getMetaData().getCatalogs()));
        calls.put("getSchemas()", c -> drain(c.getMetaData().getSchemas()));
        calls.put("getSchemas(null, \"s%\")", c -> drain(c.getMetaData().getSchemas(null, "s%")));
        calls.put("getTableTypes()", c -> drain(c.getMetaData().getTableTypes()));
        calls.put("getTables(null, \"silver\", \"%\", {TABLE})",
                c -> drain(c.getMetaData().getTables(null, "silver", "%", new String[] {"TABLE"})));
        calls.put("getTables(null, null, \"%\", {TABLE, VIEW})", c -> drain(c.getMetaData()
                .getTables(null, null, "%", new String[] {"TABLE", "VIEW"})));
        calls.put("getColumns(null, \"silver\", \"devices\", \"%\")",
                c -> drain(c.getMetaData().getColumns(null, "silver", "devices", "%")));
        calls.put("getColumns(null, \"gold\", \"%\", \"%\")",
                c -> drain(c.getMetaData().getColumns(null, "gold", "%", "%")));
        calls.put("getPrimaryKeys(null, \"silver\", \"devices\")",
                c -> drain(c.getMetaData().getPrimaryKeys(null, "silver", "devices")));
        calls.put("getImportedKeys(null, \"silver\", \"devices\")",
                c -> drain(c.getMetaData().getImportedKeys(null, "silver", "devices")));
        calls.put("getExportedKeys(null, \"silver\", \"devices\")",
                c -> drain(c.getMetaData().getExportedKeys(null, "silver", "devices")));
        calls.put("getIndexInfo(null, \"silver\", \"devices\", false, true)",
                c -> drain(c.getMetaData().getIndexInfo(null, "silver", "devices", false, true)));
        calls.put("getTypeInfo()", c -> drain(c.getMetaData().getTypeInfo()));
        calls.put("getFunctions(null, \"pg_catalog\", \"abs\")",
                c -> drain(c.getMetaData().getFunctions(null, "pg_catalog", "abs")));
        calls.put("getProcedures(null, \"silver\", \"%\")",
                c -> drain(c.getMetaData().getProcedures(null, "silver", "%")));
        calls.put("getTablePrivileges(null, \"silver\", \"patients\")",
                c -> drain(c.getMetaData().getTablePrivileges(null, "silver", "patients")));
        calls.put("getUDTs(null, null, \"%\", null)",
                c -> drain(c.getMetaData().getUDTs(null, null, "%", null)));

        int n = 0;
        for (Map.Entry<String, Call> call : calls.entrySet()) {
            Properties props = new Properties();
            props.setProperty("ApplicationName", prefix + n);
            try (Connection c = DriverManager.getConnection(url, props)) {
                call.getValue().run(c);
            }
            System.out.println(n + "\t" + call.getKey());
            n++;
        }
    }
}
