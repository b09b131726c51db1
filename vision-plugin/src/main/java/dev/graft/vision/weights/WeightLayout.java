package dev.graft.vision.weights;

/** How tensors are named and laid out in a weight file. */
public enum WeightLayout {
    /** torchvision / timm state dicts: {@code layer1.0.conv1.weight}, OIHW kernels, [out, in] linear weights. */
    TORCHVISION,
    /** keras.applications: {@code conv2_block1_1_conv/kernel:0}, HWIO kernels, [in, out] dense kernels. */
    KERAS,
    /** Graft's own parameter names ({@code layer1.0.conv1.kernel}), as saved or exported by Graft. */
    GRAFT
}
