// pgJDBC against junction: a query, a PreparedStatement, DatabaseMetaData.
import java.sql.*;
import java.util.*;

public class JdbcClient {
    static void check(boolean ok, String what) {
        if (!ok) throw new AssertionError(what);
    }

    static int count(ResultSet rs) throws SQLException {
        int n = 0;
        try (rs) {
            while (rs.next()) n++;
        }
        return n;
    }

    public static void main(String[] args) throws Exception {
        try (Connection c = DriverManager.getConnection(args[0])) {
            try (Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("select count(*) from silver.patients")) {
                check(rs.next() && rs.getLong(1) == 10, "count of patients");
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "select name, birth_date from silver.patients where patient_id = ?")) {
                ps.setInt(1, 4);
                try (ResultSet rs = ps.executeQuery()) {
                    check(rs.next(), "patient 4");
                    check(rs.getDate(2) != null, "birth_date is a date");
                }
            }
            DatabaseMetaData md = c.getMetaData();
            List<String> tables = new ArrayList<>();
            try (ResultSet rs = md.getTables(null, "silver", "%", new String[] {"TABLE"})) {
                while (rs.next()) tables.add(rs.getString("TABLE_NAME"));
            }
            Collections.sort(tables);
            check(tables.equals(List.of("devices", "patients", "vitals")), "getTables: " + tables);
            List<String> columns = new ArrayList<>();
            try (ResultSet rs = md.getColumns(null, "silver", "devices", "%")) {
                while (rs.next()) columns.add(rs.getString("COLUMN_NAME"));
            }
            check(columns.containsAll(List.of("device_id", "model", "ward", "installed_on")), "getColumns: " + columns);
            // DBeaver's and Metabase's navigators ask for keys and indexes; lake tables have none.
            check(count(md.getPrimaryKeys(null, "silver", "devices")) == 0, "getPrimaryKeys");
            check(count(md.getImportedKeys(null, "silver", "devices")) == 0, "getImportedKeys");
            check(count(md.getExportedKeys(null, "silver", "devices")) == 0, "getExportedKeys");
            check(count(md.getIndexInfo(null, "silver", "devices", false, true)) == 0, "getIndexInfo");
            check(count(md.getTypeInfo()) > 20, "getTypeInfo");
            // The six abs() of pg_catalog, as PostgreSQL lists them; no procedures.
            check(count(md.getFunctions(null, "pg_catalog", "abs")) == 6, "getFunctions");
            check(count(md.getProcedures(null, "silver", "%")) == 0, "getProcedures");
            check(count(md.getTableTypes()) > 0, "getTableTypes");
            check(count(md.getCatalogs()) == 1, "getCatalogs: the one catalog");
            check(count(md.getSchemas()) >= 3, "getSchemas");
        }
        System.out.println("OK");
    }
}
