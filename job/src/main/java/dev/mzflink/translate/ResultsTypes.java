package dev.mzflink.translate;

import dev.mzflink.catalog.PgType;
import dev.mzflink.sql.Quote;
import dev.mzflink.translate.FlinkPlan.ResultsEnum;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The column types of results tables: the upstream type, written so that the results database knows
 * it. Built-in types are written as {@code format_type} prints them; an enum by its qualified name
 * (mzflink creates it there with the same labels); a domain as its base type, which holds the same
 * values (the domain's constraints were checked upstream).
 */
public final class ResultsTypes {
  private ResultsTypes() {}

  /** The results column type for an upstream column of {@code type}. */
  public static String columnType(PgType type) {
    switch (type.kind()) {
      case DOMAIN:
        return columnType(FlinkTypes.withoutDomains(type));
      case ENUM:
        return Quote.pgQualified(type.schema(), type.name());
      case ARRAY:
        PgType element =
            type.element()
                .orElseThrow(() -> new IllegalStateException("array without element type"));
        if (element.kind() == PgType.Kind.DOMAIN || element.kind() == PgType.Kind.ENUM) {
          return columnType(element) + "[]";
        }
        return type.formatted();
      default:
        return type.formatted();
    }
  }

  /** The enum types columns of these types use, each once, in order of appearance. */
  public static List<ResultsEnum> enums(List<PgType> types) {
    Map<String, ResultsEnum> enums = new LinkedHashMap<>();
    for (PgType type : types) {
      collect(type, enums);
    }
    return List.copyOf(enums.values());
  }

  private static void collect(PgType type, Map<String, ResultsEnum> enums) {
    if (type.kind() == PgType.Kind.ENUM) {
      ResultsEnum e = new ResultsEnum(type.schema(), type.name(), type.enumLabels());
      enums.putIfAbsent(e.qualifiedName(), e);
    }
    type.element().ifPresent(element -> collect(element, enums));
  }
}
