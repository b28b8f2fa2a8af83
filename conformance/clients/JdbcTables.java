// pgJDBC's DatabaseMetaData.getTables as DBeaver and Metabase call it: one line per table,
// `schema.table`, of every schema the connected user may see.
import java.sql.*;

public class JdbcTables {
    public static void main(String[] args) throws Exception {
        try (Connection c = DriverManager.getConnection(args[0]);
             ResultSet rs = c.getMetaData().getTables(null, null, "%", new String[] {"TABLE"})) {
            while (rs.next()) {
                System.out.println(rs.getString("TABLE_SCHEM") + "." + rs.getString("TABLE_NAME"));
            }
        }
    }
}
