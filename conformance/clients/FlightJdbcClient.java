// The Flight SQL JDBC driver (as DBeaver uses it) against junction's Flight SQL port.
import java.sql.*;
import java.util.*;

public class FlightJdbcClient {
    static void check(boolean ok, String what) {
        if (!ok) throw new AssertionError(what);
    }

    public static void main(String[] args) throws Exception {
        Properties props = new Properties();
        props.setProperty("user", "anyone");
        props.setProperty("password", "x");
        props.setProperty("useEncryption", "false");
        try (Connection c = DriverManager.getConnection(args[0], props)) {
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
                    check(!rs.next(), "one patient 4");
                }
            }
            DatabaseMetaData md = c.getMetaData();
            List<String> tables = new ArrayList<>();
            try (ResultSet rs = md.getTables(null, "silver", "%", null)) {
                while (rs.next()) tables.add(rs.getString("TABLE_NAME"));
            }
            Collections.sort(tables);
            check(tables.equals(List.of("devices", "patients", "vitals")), "getTables: " + tables);
            List<String> columns = new ArrayList<>();
            try (ResultSet rs = md.getColumns(null, "silver", "devices", "%")) {
                while (rs.next()) columns.add(rs.getString("COLUMN_NAME"));
            }
            check(columns.containsAll(List.of("device_id", "model", "ward", "installed_on")), "getColumns: " + columns);
            List<String> schemas = new ArrayList<>();
            try (ResultSet rs = md.getSchemas()) {
                while (rs.next()) schemas.add(rs.getString("TABLE_SCHEM"));
            }
            check(schemas.containsAll(List.of("bronze", "silver", "gold")), "getSchemas: " + schemas);
            try (Statement s = c.createStatement()) {
                s.executeQuery("select nosuch from silver.patients");
                check(false, "an error");
            } catch (SQLException e) {
                check(e.getMessage().contains("nosuch"), "error names the column: " + e.getMessage());
            }
        }
        System.out.println("OK");
    }
}
