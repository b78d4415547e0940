package dev.nervesys.bootstrap.console;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.management.Attribute;
import javax.management.AttributeList;
import javax.management.AttributeNotFoundException;
import javax.management.Descriptor;
import javax.management.JMException;
import javax.management.MBeanException;
import javax.management.MBeanInfo;
import javax.management.MBeanParameterInfo;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.ReflectionException;
import javax.management.RuntimeErrorException;
import javax.management.RuntimeMBeanException;
import javax.management.modelmbean.ModelMBean;
import javax.management.modelmbean.ModelMBeanAttributeInfo;
import javax.management.modelmbean.ModelMBeanInfo;
import javax.management.modelmbean.RequiredModelMBean;
import org.apache.camel.CamelContext;
import org.apache.camel.api.management.ManagedInstance;
import org.apache.camel.api.management.ManagedResource;
import org.apache.camel.api.management.NotificationSenderAware;
import org.apache.camel.support.management.DefaultManagementMBeanAssembler;
import org.apache.camel.util.URISupport;

/**
 * Camel's MBean assembler with one {@link MBeanInfo} per managed class instead of one per MBean.
 *
 * <p>Camel's {@link DefaultManagementMBeanAssembler} builds a {@code ModelMBeanInfo} for every MBean (every route,
 * processor, endpoint, thread pool ...), and {@link RequiredModelMBean} keeps a copy of it: an idle agent held 14,396
 * descriptors, each a {@code TreeMap}, about 5 MB of its heap (docs/benchmarks.md, "Footprint"), although all MBeans of
 * one class have the same attributes and operations. Here the info is made once per class and shared; each MBean is a
 * {@link SharedInfoMBean} that reads attributes and runs operations on its own object by reflection, through the same
 * getter, setter and operation methods the descriptors name. JMX clients (Jolokia, Hawtio) see the same attributes and
 * operations with the same values.
 *
 * <p>Masking as Camel's {@code MixinRequiredModelMBean} does it: with the agent's {@code mask} on (Camel's default), a
 * String answered by an operation or getter whose descriptor says {@code mask=true} (endpoint URIs and the like) goes
 * through {@link URISupport#sanitizeUri(String)}, so secrets in URIs stay hidden. What the default assembler does beyond
 * that stays on it: objects with a custom {@code @ManagedResource} instance (their info depends on two classes and may
 * mix in a DynamicMBean) and objects that send notifications.
 */
public final class SharedInfoMBeanAssembler extends DefaultManagementMBeanAssembler {

    private final Map<Class<?>, Shape> shapes = new ConcurrentHashMap<>();

    public SharedInfoMBeanAssembler(CamelContext camelContext) {
        super(camelContext);
        // its class cache is made by start(); MBeans can be assembled before the context starts this service
        assembler.start();
    }

    @Override
    public ModelMBean assemble(MBeanServer server, Object obj, ObjectName name) throws JMException {
        if (!sharable(obj)) {
            return super.assemble(server, obj, name);
        }
        Shape shape = shapes.get(obj.getClass());
        if (shape == null) {
            ModelMBeanInfo info = assembler.getMBeanInfo(camelContext, obj, null, name.toString());
            shape = info instanceof MBeanInfo ? Shape.of(info, obj.getClass()) : Shape.NONE;
            Shape raced = shapes.putIfAbsent(obj.getClass(), shape);
            if (raced != null) {
                shape = raced;
            }
        }
        if (shape == Shape.NONE) {
            // a proxy class, or a descriptor naming a method this class does not have: as Camel does it
            return super.assemble(server, obj, name);
        }
        Boolean mask = camelContext.getManagementStrategy().getManagementAgent().getMask();
        return new SharedInfoMBean(shape, obj, mask != null && mask);
    }

    /** The classes whose MBeans share one info (for tests). */
    int sharedClasses() {
        return (int) shapes.values().stream().filter(s -> s != Shape.NONE).count();
    }

    private boolean sharable(Object obj) {
        if (obj instanceof NotificationSenderAware) {
            return false;
        }
        return !(obj instanceof ManagedInstance mi && mi.getInstance() != null
                && mi.getInstance().getClass().isAnnotationPresent(ManagedResource.class));
    }

    /** The shared part: the info and the methods its descriptors name, resolved once per class. */
    static final class Shape {
        /** Not sharable: the default assembler makes this class's MBeans. */
        static final Shape NONE = new Shape();

        final ModelMBeanInfo info;
        private final Map<String, Method> getters = new HashMap<>();
        private final Map<String, Method> setters = new HashMap<>();
        /** name(type,type,...) -> method. */
        private final Map<String, Method> operations = new HashMap<>();
        /** name -> methods of that name, for calls without a signature. */
        private final Map<String, List<Method>> byName = new HashMap<>();
        /** Operations (getters included) whose descriptor says mask=true. */
        private final java.util.Set<String> masked = new java.util.HashSet<>();

        private Shape() {
            this.info = null;
        }

        static Shape of(ModelMBeanInfo info, Class<?> type) {
            try {
                return new Shape(info, type);
            } catch (ReflectionException | RuntimeException e) {
                return NONE;
            }
        }

        private Shape(ModelMBeanInfo info, Class<?> type) throws ReflectionException {
            this.info = info;
            Map<String, List<Method>> publicMethods = new HashMap<>();
            for (Method m : type.getMethods()) {
                publicMethods.computeIfAbsent(m.getName(), k -> new java.util.ArrayList<>()).add(m);
            }
            for (javax.management.MBeanOperationInfo op : info.getOperations()) {
                String[] signature = types(op.getSignature());
                Method m = method(publicMethods, type, op.getName(), signature);
                operations.put(key(op.getName(), signature), m);
                if ("true".equals(((javax.management.modelmbean.ModelMBeanOperationInfo) op).getDescriptor().getFieldValue("mask"))) {
                    masked.add(op.getName());
                }
                byName.computeIfAbsent(op.getName(), k -> new java.util.ArrayList<>()).add(m);
            }
            for (javax.management.MBeanAttributeInfo a : info.getAttributes()) {
                Descriptor d = ((ModelMBeanAttributeInfo) a).getDescriptor();
                Object get = d.getFieldValue("getMethod");
                if (get != null) {
                    getters.put(a.getName(), method(publicMethods, type, (String) get, new String[0]));
                }
                Object set = d.getFieldValue("setMethod");
                if (set != null) {
                    setters.put(a.getName(), method(publicMethods, type, (String) set, new String[] {a.getType()}));
                }
            }
        }

        private static Method method(Map<String, List<Method>> methods, Class<?> type, String name, String[] types)
                throws ReflectionException {
            Method m = find(methods, name, types);
            if (m == null) {
                throw new ReflectionException(new NoSuchMethodException(type.getName() + "." + key(name, types)),
                        "no method named by the MBean info");
            }
            m.setAccessible(true);
            return m;
        }

        private static Method find(Map<String, List<Method>> methods, String name, String[] types) {
            for (Method m : methods.getOrDefault(name, List.of())) {
                Class<?>[] p = m.getParameterTypes();
                if (p.length != types.length) {
                    continue;
                }
                boolean same = true;
                for (int i = 0; i < p.length && same; i++) {
                    same = p[i].getName().equals(types[i]);
                }
                if (same) {
                    return m;
                }
            }
            return null;
        }

        private static String[] types(MBeanParameterInfo[] signature) {
            String[] t = new String[signature.length];
            for (int i = 0; i < t.length; i++) {
                t[i] = signature[i].getType();
            }
            return t;
        }

        static String key(String name, String[] types) {
            return name + "(" + String.join(",", types == null ? new String[0] : types) + ")";
        }
    }

    /**
     * One MBean: the shared info, its own object. A {@link RequiredModelMBean} for JMX's sake (Camel's agent takes a
     * {@link ModelMBean}; registration, notifications and persistence as the default one), with the info and the calls
     * that read it answered from the shared {@link Shape}.
     */
    static final class SharedInfoMBean extends RequiredModelMBean {
        private final Shape shape;
        private final Object target;

        private final boolean mask;

        SharedInfoMBean(Shape shape, Object target, boolean mask) throws MBeanException {
            super();
            this.shape = shape;
            this.target = target;
            this.mask = mask;
        }

        Object target() {
            return target;
        }

        @Override
        public MBeanInfo getMBeanInfo() {
            return (MBeanInfo) shape.info;
        }

        @Override
        public Object getAttribute(String attribute) throws AttributeNotFoundException, MBeanException, ReflectionException {
            if (attribute == null) {
                throw nullArgument("attribute name is null");
            }
            Method getter = shape.getters.get(attribute);
            if (getter == null) {
                throw new AttributeNotFoundException("no readable attribute " + attribute);
            }
            return masked(getter.getName(), call(getter, new Object[0]));
        }

        @Override
        public AttributeList getAttributes(String[] attributes) {
            AttributeList list = new AttributeList();
            if (attributes == null) {
                throw nullArgument("attribute names are null");
            }
            for (String a : attributes) {
                try {
                    list.add(new Attribute(a, getAttribute(a)));
                } catch (Exception e) {
                    // as RequiredModelMBean: an attribute that cannot be read is left out of the list
                }
            }
            return list;
        }

        @Override
        public void setAttribute(Attribute attribute) throws AttributeNotFoundException, MBeanException, ReflectionException {
            if (attribute == null) {
                throw nullArgument("attribute is null");
            }
            Method setter = shape.setters.get(attribute.getName());
            if (setter == null) {
                throw new AttributeNotFoundException("no writable attribute " + attribute.getName());
            }
            call(setter, new Object[] {attribute.getValue()});
        }

        @Override
        public AttributeList setAttributes(AttributeList attributes) {
            if (attributes == null) {
                throw nullArgument("attributes are null");
            }
            AttributeList set = new AttributeList();
            for (Attribute a : attributes.asList()) {
                try {
                    setAttribute(a);
                    set.add(new Attribute(a.getName(), getAttribute(a.getName())));
                } catch (Exception e) {
                    // as RequiredModelMBean: an attribute that cannot be set is left out of the list
                }
            }
            return set;
        }

        @Override
        public Object invoke(String operation, Object[] params, String[] signature) throws MBeanException, ReflectionException {
            if (operation == null) {
                throw nullArgument("operation name is null");
            }
            Object[] args = params == null ? new Object[0] : params;
            Method m = signature != null ? shape.operations.get(Shape.key(operation, signature)) : null;
            if (m == null && signature == null) {
                for (Method candidate : shape.byName.getOrDefault(operation, List.of())) {
                    if (candidate.getParameterCount() == args.length) {
                        m = candidate;
                        break;
                    }
                }
            }
            if (m == null) {
                throw new ReflectionException(new NoSuchMethodException(Shape.key(operation, signature)),
                        "no operation " + Shape.key(operation, signature));
            }
            return masked(operation, call(m, args));
        }

        /** As MixinRequiredModelMBean: a masked operation's String answer with secrets in URIs hidden. */
        private Object masked(String operation, Object value) {
            if (mask && value instanceof String text && !text.isEmpty() && shape.masked.contains(operation)) {
                return URISupport.sanitizeUri(text);
            }
            return value;
        }

        private Object call(Method m, Object[] args) throws MBeanException, ReflectionException {
            try {
                return m.invoke(target, args);
            } catch (InvocationTargetException e) {
                Throwable cause = e.getCause();
                if (cause instanceof RuntimeException re) {
                    throw new RuntimeMBeanException(re, re.toString());
                }
                if (cause instanceof Error err) {
                    throw new RuntimeErrorException(err, err.toString());
                }
                throw new MBeanException((Exception) cause, String.valueOf(cause));
            } catch (IllegalAccessException | IllegalArgumentException e) {
                throw new ReflectionException(e, m.getName() + ": " + e.getMessage());
            }
        }
    }

    /** JMX's own exception for a null argument (RequiredModelMBean throws the same). */
    private static javax.management.RuntimeOperationsException nullArgument(String message) {
        return new javax.management.RuntimeOperationsException(new IllegalArgumentException(message), message);
    }
}
