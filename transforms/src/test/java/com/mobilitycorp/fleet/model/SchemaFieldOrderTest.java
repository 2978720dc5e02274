package com.mobilitycorp.fleet.model;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;

import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.stream.Stream;
import org.apache.beam.sdk.schemas.AutoValueSchema;
import org.apache.beam.sdk.schemas.annotations.DefaultSchema;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.SchemaRegistry;
import org.apache.beam.sdk.schemas.annotations.SchemaFieldNumber;
import org.apache.beam.sdk.schemas.utils.ReflectUtils;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every schema'd model class numbers its fields with {@code @SchemaFieldNumber}: schema-coded rows
 * are positional and Flink keeps them in checkpoints and savepoints, while AutoValueSchema without
 * numbers orders fields as reflection lists the getters, which differs between JVM runs. A job
 * restored in a new JVM would then decode its state with the fields swapped.
 */
class SchemaFieldOrderTest {
  private final SchemaRegistry registry = SchemaRegistry.createDefault();

  /**
   * Every class of this module with {@code @DefaultSchema(AutoValueSchema.class)}, found in its
   * compiled classes rather than listed by hand: a transform's own state classes (such as
   * DetectBatteryDrain's bucket summaries, which a restore in a new JVM once failed to decode)
   * need the numbers as much as the public models.
   */
  static List<Class<?>> schemaClasses() throws Exception {
    Path classes = Paths.get(Alert.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    List<Class<?>> found = new ArrayList<>();
    try (Stream<Path> files = Files.walk(classes)) {
      for (Path file : (Iterable<Path>) files.filter(f -> f.toString().endsWith(".class"))::iterator) {
        String name = classes.relativize(file).toString().replace('/', '.').replaceAll("\\.class$", "");
        Class<?> type = Class.forName(name, false, SchemaFieldOrderTest.class.getClassLoader());
        DefaultSchema schema = type.getAnnotation(DefaultSchema.class);
        if (schema != null && schema.value() == AutoValueSchema.class) {
          found.add(type);
        }
      }
    }
    return found;
  }

  @Test
  void testTheScanFindsTheModelsAndTheTransformsOwnStateClasses() throws Exception {
    List<String> names = schemaClasses().stream().map(Class::getName).collect(Collectors.toList());
    assertThat(names, hasItems(Alert.class.getName(), TelemetryEvent.class.getName(),
        "com.mobilitycorp.fleet.transforms.DetectBatteryDrain$BucketSummary"));
  }

  @ParameterizedTest
  @MethodSource("schemaClasses")
  void testEveryGetterIsNumberedAndTheSchemaFollowsTheNumbers(Class<?> model) throws Exception {
    List<Method> getters = new ArrayList<>();
    for (Method m : ReflectUtils.getMethods(model)) {
      boolean getter = m.getName().startsWith("get") || m.getName().startsWith("is");
      if (Modifier.isAbstract(m.getModifiers()) && m.getParameterCount() == 0 && getter) {
        getters.add(m);
      }
    }
    List<Integer> numbers = new ArrayList<>();
    for (Method getter : getters) {
      SchemaFieldNumber number = getter.getAnnotation(SchemaFieldNumber.class);
      assertThat(model.getSimpleName() + "." + getter.getName() + " is numbered",
          number != null, equalTo(true));
      numbers.add(Integer.parseInt(number.value()));
    }
    numbers.sort(null);
    List<Integer> expected = new ArrayList<>();
    for (int i = 0; i < getters.size(); i++) {
      expected.add(i);
    }
    assertThat("numbers 0..n-1 in " + model.getSimpleName(), numbers, equalTo(expected));

    getters.sort(Comparator.comparingInt(g -> Integer.parseInt(g.getAnnotation(SchemaFieldNumber.class).value())));
    List<String> byNumber =
        getters.stream().map(g -> fieldName(g.getName())).collect(Collectors.toList());
    Schema schema = registry.getSchema(model);
    List<String> schemaOrder =
        schema.getFields().stream().map(Schema.Field::getName).collect(Collectors.toList());
    assertThat(schemaOrder, equalTo(byNumber));
  }

  private static String fieldName(String getter) {
    String bare = getter.startsWith("is") ? getter.substring(2) : getter.substring(3);
    return Character.toLowerCase(bare.charAt(0)) + bare.substring(1);
  }
}
